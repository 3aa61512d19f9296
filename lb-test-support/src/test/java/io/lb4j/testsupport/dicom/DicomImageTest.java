package io.lb4j.testsupport.dicom;

import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DicomImageTest {

    @TempDir
    Path dir;

    @Test
    void writesAValidImageOfGeneratedPixelsWithNewUidsEachTime() throws Exception {
        Assumptions.assumeTrue(Command.missing("dump2dcm", "dcmdump").isEmpty(),
                () -> "DCMTK not installed: " + Command.missing("dump2dcm", "dcmdump").orElseThrow());
        DicomImage a = DicomImage.write(dir.resolve("a.dcm"), 64, 32, 1);
        DicomImage b = DicomImage.write(dir.resolve("b.dcm"), 64, 32, 1);

        String dump = Command.run(List.of("dcmdump", "-q", a.file().toString()));
        assertThat(dump).contains("(0002,0010) UI =LittleEndianExplicit", "(0008,0018) UI [" + a.sopInstanceUid() + "]",
                "(0028,0010) US 64", "(0028,0011) US 32", "(7fe0,0010) OW", "# 4096, 1 PixelData");
        assertThat(a.sopInstanceUid()).startsWith("2.25.").isNotEqualTo(b.sopInstanceUid());
        assertThat(a.size()).isGreaterThan(64 * 32 * 2);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("dump and raw pixels removed")
                    .containsExactlyInAnyOrder("a.dcm", "b.dcm");
        }

        byte[] bytes = Files.readAllBytes(a.file());
        byte[] pixels = Arrays.copyOfRange(bytes, bytes.length - 64 * 32 * 2, bytes.length);
        byte[] other = Files.readAllBytes(b.file());
        assertThat(Arrays.copyOfRange(other, other.length - pixels.length, other.length)).as("same seed, same pixels")
                .isEqualTo(pixels);
        int metaEnd = 132 + 12 + (bytes[140] & 0xff | (bytes[141] & 0xff) << 8);
        assertThat(DicomImage.dataSetSha256(a.file()))
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Arrays.copyOfRange(bytes, metaEnd, bytes.length))));
        assertThat(DicomImage.sha256(a.file())).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @Test
    void theDataSetDigestRejectsAFileWithoutFileMetaInformation() throws Exception {
        Path notDicom = Files.write(dir.resolve("x"), new byte[200]);
        assertThatThrownBy(() -> DicomImage.dataSetSha256(notDicom)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(notDicom + ": not a DICOM file with a File Meta Information group length");
    }
}
