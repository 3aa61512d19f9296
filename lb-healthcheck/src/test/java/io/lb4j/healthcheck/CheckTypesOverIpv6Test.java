package io.lb4j.healthcheck;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.healthcheck.dicom.DicomEchoStrategy;
import io.lb4j.healthcheck.hl7.Hl7Strategy;
import io.lb4j.healthcheck.http.HttpStrategy;
import io.lb4j.healthcheck.negotiate.NegotiateStrategy;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.healthcheck.support.SelfSignedServer;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every network check type against a real server on {@code ::1}: the probes connect over IPv6 and write the address
 * the way URLs and Host headers need it ({@code [::1]:port}). The external check's IPv6 arguments are in
 * {@code ExternalStrategyTest}; checks never resolve names, so nothing else depends on the family.
 */
class CheckTypesOverIpv6Test {

    private static final InetAddress V6 = InetAddress.ofLiteral("::1");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private HttpServer http;

    @AfterEach
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    private static CheckTarget target(int port) {
        return new CheckTarget("PACS", V6, List.of(port), "PrimaryCluster", V6, List.of(port), TIMEOUT);
    }

    @Test
    void connectReachesAnIpv6RealServerAndNamesTheRefusingPort() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, V6)) {
            assertThat(Loopback.run(new ConnectStrategy(), ConnectProbe.INSTANCE, target(server.getLocalPort())))
                    .isEqualTo(CheckResult.ok());
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, V6)) {
            closed = s.getLocalPort();
        }
        assertThat(Loopback.run(new ConnectStrategy(), ConnectProbe.INSTANCE, target(closed)).reason())
                .isEqualTo("port " + closed + ": connection refused");
    }

    @Test
    void httpSendsTheBracketedAddressAsTheHostHeader() throws IOException {
        int port = serve(HttpServer.create(new InetSocketAddress(V6, 0), 0));

        assertThat(Loopback.run(new HttpStrategy(), HttpProbe.get("/host").bodyMatches("^\\[::1\\]:" + port + "$"),
                target(port))).isEqualTo(CheckResult.ok());
    }

    @Test
    void httpsHandshakesWithAnIpv6RealServerAndSendsTheBracketedHost() throws Exception {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(V6, 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(SelfSignedServer.context(dir, "ip:::1")));
        int port = serve(https);

        assertThat(Loopback.run(new HttpStrategy(), HttpProbe.get("/host").tls(true).insecure(true)
                .bodyMatches("^\\[::1\\]:" + port + "$"), target(port))).isEqualTo(CheckResult.ok());
    }

    @Test
    void dicomEchoIsAnsweredByStorescpOverIpv6() {
        assumeTrue(Command.missing("storescp").isEmpty(), "DCMTK not installed: apt-get install -y dcmtk");
        int scpPort = Loopback.freePort();
        // DCMTK 3.6.7's storescp listens on IPv4 only: a byte relay on ::1 puts it behind an IPv6 address, so the
        // association itself is still DCMTK's.
        try (ChildProcess scp = ChildProcess.start("storescp", List.of("storescp", "--aetitle", "PACS",
                String.valueOf(scpPort)))) {
            scp.awaitListening(new InetSocketAddress(Loopback.ADDRESS, scpPort), Duration.ofSeconds(15));
            try (TestServer relay = TestServer.start(V6, 0, relayTo(new InetSocketAddress(Loopback.ADDRESS,
                    scpPort)))) {
                assertThat(Loopback.run(new DicomEchoStrategy(), DicomEchoProbe.of("LB4J", "PACS"),
                        target(relay.port()))).isEqualTo(CheckResult.ok());
            }
        }
    }

    @Test
    void hl7IsAcknowledgedOverIpv6() {
        AtomicReference<String> received = new AtomicReference<>();
        try (TestServer receiver = TestServer.start(V6, 0, acknowledgeMllp(received))) {
            assertThat(Loopback.run(new Hl7Strategy(), Hl7Probe.defaults(), target(receiver.port())))
                    .isEqualTo(CheckResult.ok());
            assertThat(received.get()).startsWith("MSH|");
        }
    }

    @Test
    void negotiateTalksToAnIpv6RealServer() {
        try (TestServer server = TestServer.start(V6, 0, Handler.greet("220 pacs ready"))) {
            assertThat(Loopback.run(new NegotiateStrategy(), NegotiateProbe.of("", "^220 "), target(server.port())))
                    .isEqualTo(CheckResult.ok());
        }
    }

    private int serve(HttpServer s) {
        s.createContext("/host", ex -> {
            byte[] body = ex.getRequestHeaders().getFirst("Host").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        http = s;
        return s.getAddress().getPort();
    }

    /** Copies bytes both ways between the accepted connection and {@code to}, half-closes included. */
    private static Handler relayTo(InetSocketAddress to) {
        return connection -> {
            try (SocketChannel upstream = SocketChannel.open(to)) {
                Thread back = Thread.ofVirtual().start(() -> copy(upstream, connection));
                copy(connection, upstream);
                try {
                    back.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    private static void copy(SocketChannel from, SocketChannel to) {
        try {
            Channels.newInputStream(from).transferTo(Channels.newOutputStream(to));
            to.shutdownOutput();
        } catch (IOException e) {
            // one side went away: the other copy ends too
        }
    }

    /** An MLLP receiver: reads one framed message and acknowledges it with AA and its control ID (MSH-10). */
    private static Handler acknowledgeMllp(AtomicReference<String> received) {
        return connection -> {
            InputStream in = Channels.newInputStream(connection);
            OutputStream out = Channels.newOutputStream(connection);
            StringBuilder message = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != 0x1C) {
                if (b != 0x0B) {
                    message.append((char) b);
                }
            }
            in.read(); // the CR after the end block
            received.set(message.toString());
            String controlId = message.toString().split("\r")[0].split("\\|")[9];
            out.write(0x0B);
            out.write(("MSH|^~\\&|PACS||LB4J||20260101||ACK|1|P|2.5\rMSA|AA|" + controlId + "\r")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {0x1C, 0x0D});
            out.flush();
            in.read(); // hold the connection until the probe closes it
        };
    }
}
