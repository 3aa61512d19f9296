package io.lb4j.healthcheck;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.healthcheck.dicom.DicomEchoStrategy;
import io.lb4j.healthcheck.http.HttpStrategy;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** allOf(): each probe on its own ports, connect on the rest, all required. */
class CompositeStrategyTest {

    private final CompositeStrategy strategy = new CompositeStrategy(List.of(
            new ConnectStrategy(), new HttpStrategy(), new DicomEchoStrategy()));

    @Test
    void everyPartMustPassAndTheReasonNamesEachFailedPart() throws IOException {
        HttpServer web = HttpServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0);
        web.createContext("/", ex -> {
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        web.start();
        try (TestServer hungDicom = TestServer.loopback(Handler.hold());
             TestServer xmpp = TestServer.loopback(Handler.hold())) {
            int http = web.getAddress().getPort();
            int closed = Loopback.freePort();
            CompositeProbe pacs = CompositeProbe.on(DicomEchoProbe.defaults(), hungDicom.port())
                    .and(HttpProbe.get("/"), http)
                    .otherPorts(ConnectProbe.INSTANCE);

            // Service ports: DICOM, HTTP, XMPP (accepts) and one that refuses.
            CheckResult result = Loopback.run(strategy, pacs,
                    Loopback.target(Duration.ofMillis(500), hungDicom.port(), http, xmpp.port(), closed));

            assertThat(result).isEqualTo(CheckResult.failed(
                    "dicomEcho port " + hungDicom.port() + ": timed out after 500ms waiting for A-ASSOCIATE-AC; "
                            + "connect port " + closed + ": connection refused"));

            // Without the failing ports the same composite passes.
            assertThat(Loopback.run(strategy, CompositeProbe.on(HttpProbe.get("/"), http).otherPorts(ConnectProbe.INSTANCE),
                    Loopback.target(Duration.ofSeconds(2), http, xmpp.port()))).isEqualTo(CheckResult.ok());
        } finally {
            web.stop(0);
        }
    }

    @Test
    void partWithoutAStrategyFailsNamingTheProbe() {
        CompositeStrategy onlyConnect = new CompositeStrategy(List.of(new ConnectStrategy()));
        assertThat(Loopback.run(onlyConnect, CompositeProbe.on(Hl7Probe.defaults(), 1001), Loopback.target(Duration.ofSeconds(1), 1001)))
                .isEqualTo(CheckResult.failed("hl7 port 1001: no health-check strategy supports hl7 (is its module on the class path?)"));
    }
}
