package io.lb4j.testsupport.dicom;

import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A valid DICOM image of generated pixels, as big as a modality's (a 2048 x 2048 radiograph of 16 bits is 8 MiB), for
 * sending through a balancer to a real PACS: a Secondary Capture instance in Explicit VR Little Endian, 16 bits
 * MONOCHROME2, written by DCMTK's {@code dump2dcm} (Debian's {@code dcmtk}) from a dump and the generated pixel data,
 * with new UIDs ({@code 2.25.<UUID>}) each time.
 *
 * @param file           the DICOM file (with its File Meta Information)
 * @param sopInstanceUid its SOP Instance UID, how a PACS finds it
 */
public record DicomImage(Path file, String sopInstanceUid) {

    private static final int CHUNK = 256 * 1024;
    /** The preamble and "DICM" before the File Meta Information's first element. */
    private static final int META_START = 132;

    /**
     * Why images cannot be written here, or empty ({@code dump2dcm} missing, with its Debian package). For
     * {@code assumeTrue(...)}.
     */
    public static Optional<String> unavailable() {
        return Command.missing("dump2dcm");
    }

    /**
     * Writes an image of {@code rows} x {@code columns} 16-bit pixels, generated from {@code seed}, to {@code file}
     * (its dump and raw pixels are written beside it and removed).
     *
     * @throws java.io.UncheckedIOException naming dump2dcm's output when it fails
     */
    public static DicomImage write(Path file, int rows, int columns, long seed) {
        String study = uid();
        String series = uid();
        String instance = uid();
        Path pixels = file.resolveSibling(file.getFileName() + ".raw");
        Path dump = file.resolveSibling(file.getFileName() + ".dump");
        try {
            writePixels(pixels, (long) rows * columns * 2, seed);
            Files.writeString(dump, """
                    (0008,0016) UI =SecondaryCaptureImageStorage
                    (0008,0018) UI [%s]
                    (0008,0060) CS [OT]
                    (0008,0064) CS [WSD]
                    (0010,0010) PN [Lab^Balancer]
                    (0010,0020) LO [LB4J-%d]
                    (0020,000d) UI [%s]
                    (0020,000e) UI [%s]
                    (0020,0013) IS [1]
                    (0028,0002) US 1
                    (0028,0004) CS [MONOCHROME2]
                    (0028,0010) US %d
                    (0028,0011) US %d
                    (0028,0100) US 16
                    (0028,0101) US 16
                    (0028,0102) US 15
                    (0028,0103) US 0
                    (7fe0,0010) OW =%s
                    """.formatted(instance, seed, study, series, rows, columns, pixels.toAbsolutePath()));
            Command.run(List.of("dump2dcm", "+te", dump.toString(), file.toString()));
            return new DicomImage(file, instance);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the DICOM image " + file, e);
        } finally {
            deleteQuietly(pixels);
            deleteQuietly(dump);
        }
    }

    private static String uid() {
        UUID u = UUID.randomUUID();
        byte[] bytes = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
                .array();
        return "2.25." + new BigInteger(1, bytes);
    }

    private static void writePixels(Path file, long bytes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[CHUNK];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // in the lab's directory, which goes with the lab
        }
    }

    /** The file's size in bytes. */
    public long size() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SHA-256 of the whole of {@code file}, lowercase hex. */
    public static String sha256(Path file) {
        return sha256(file, 0);
    }

    /**
     * The SHA-256 of {@code file}'s data set: everything after its File Meta Information (group 0002), which the
     * receiver of a C-STORE writes itself; the data set is what travelled over the network.
     *
     * @throws IllegalArgumentException when the file does not start with a preamble, "DICM" and the group length
     */
    public static String dataSetSha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(META_START + 12);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            if (head.length < META_START + 12
                    || !new String(head, 128, 4, StandardCharsets.US_ASCII).equals("DICM")
                    || b.getInt(META_START) != 0x0000_0002 // (0002,0000), group then element, little endian
                    || !new String(head, META_START + 4, 2, StandardCharsets.US_ASCII).equals("UL")) {
                throw new IllegalArgumentException(file + ": not a DICOM file with a File Meta Information group "
                        + "length");
            }
            return sha256(file, META_START + 12 + Integer.toUnsignedLong(b.getInt(META_START + 8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(Path file, long from) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            byte[] chunk = new byte[CHUNK];
            int n;
            while ((n = in.read(chunk)) > 0) {
                sha.update(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
