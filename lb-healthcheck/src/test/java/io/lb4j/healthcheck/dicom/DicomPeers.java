package io.lb4j.healthcheck.dicom;

import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The real DICOM peers the DICOM check tests run on loopback, and what they need: configurations, certificates. */
final class DicomPeers {

    private DicomPeers() {
    }

    /** A program serving on {@code port}, once it accepts connections; killed with its children on close. */
    static ChildProcess start(int port, Duration startup, String... command) {
        ChildProcess p = ChildProcess.start(command[0], List.of(command));
        try {
            p.awaitListening(new InetSocketAddress(Loopback.ADDRESS, port), startup);
        } catch (AssertionError e) {
            p.close();
            throw e;
        }
        return p;
    }

    /**
     * A {@code dcmqrscp} configuration in {@code dir}: AE title {@code PACS} on {@code port} with its database in
     * {@code dir/db}, {@code access} {@code R} (queries) or {@code RW} (also stores).
     */
    static Path qrConfig(Path dir, int port, String access) throws IOException {
        Path db = Files.createDirectories(dir.resolve("db"));
        Path cfg = dir.resolve("dcmqrscp.cfg");
        Files.writeString(cfg, """
                NetworkTCPPort  = %d
                MaxPDUSize      = 16384
                MaxAssociations = 16

                HostTable BEGIN
                HostTable END

                VendorTable BEGIN
                VendorTable END

                AETable BEGIN
                PACS  %s  %s  (10, 1024mb)  ANY
                AETable END
                """.formatted(port, db, access));
        return cfg;
    }

    /** A self-signed certificate made by {@code openssl}, and its unencrypted PKCS#8 key: {cert.pem, key.pem}. */
    static Path[] selfSigned(Path dir, String name) {
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + "-key.pem");
        Command.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
                "-keyout", key.toString(), "-out", cert.toString());
        return new Path[] {cert, key};
    }

    /** The value of one element of a DICOM file, as {@code dcmdump} prints it. */
    static String element(Path file, String keyword) {
        String dump = Command.run("dcmdump", "-q", "+P", keyword, file.toString());
        Matcher m = Pattern.compile("\\[([^\\]]*)]").matcher(dump);
        assertThat(m.find()).as("%s in %s", keyword, dump).isTrue();
        return m.group(1).strip();
    }
}
