package io.lb4j.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The demo clusters' C-ECHO SCP, with the demo's own SCU and with DCMTK's echoscu as the other side. */
class DicomTest {

    private ServerSocket server;
    private InetSocketAddress address;

    @BeforeEach
    void startScp() throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        address = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            Dicom.serve(s, "PrimaryCluster");
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return; // closed after the test
                }
            }
        });
    }

    @AfterEach
    void stopScp() throws IOException {
        server.close();
    }

    @Test
    void echoIsAnsweredWithSuccessAndNamesTheCluster() throws IOException {
        assertThat(Dicom.echo(address, Duration.ofSeconds(5))).isEqualTo("PrimaryCluster");
    }

    @Test
    void dcmtkEchoscuGetsSuccessFromTheDemoScp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/echoscu")), "DCMTK not installed: apt-get install -y dcmtk");
        Path log = Files.createTempFile("lb4j-echoscu-", ".log");
        Process echoscu = new ProcessBuilder("echoscu", "-aet", "MODALITY", "-aec", "MERGEPACS",
                "127.0.0.1", String.valueOf(address.getPort()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null")).start();
        try {
            assertThat(echoscu.waitFor(15, TimeUnit.SECONDS)).isTrue();

            assertThat(echoscu.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            echoscu.destroyForcibly();
            Files.delete(log);
        }
    }

    @Test
    void bytesThatAreNoPduAreAnsweredWithAnAbortSayingSo() throws IOException {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();

            // A-ABORT from the service provider (source 2), reason 1: unrecognized PDU; then the SCP hangs up.
            assertThat(HexFormat.of().formatHex(in.readNBytes(10))).isEqualTo("07000000000400000201");
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
