package io.lb4j.engine.proxy;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.OnDown;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.SECONDARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code onDown}: a connection open to a real server whose (real) health check starts failing is reset under
 * {@link OnDown#CLOSE} and carries on under {@link OnDown#KEEP}. Real sockets, the real connect check on the system
 * clock: the primary's data port keeps serving throughout, only its check port goes away, so what ends the
 * connection is the balancer and nothing else.
 */
class ProxyEngineOnDownTest {

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** Starts a balancer whose primary is checked on a port of its own, and returns that check server. */
    private TestServer startBalancer(OnDown onDown, int vipPort) {
        TestServer primary = later(TestServer.start(PRIMARY, 0, Handler.greet("primary").then(Handler.echo())));
        TestServer secondary = later(TestServer.start(SECONDARY, 0, Handler.greet("fallback").then(Handler.echo())));
        TestServer checkPort = later(TestServer.start(PRIMARY, 0, Handler.hold()));
        VirtualService spec = VirtualService.proxy().label("PACS").address(VIP).ports(vipPort)
                .real("PrimaryCluster", PRIMARY.getHostAddress(), r -> r.port(primary.port()))
                .fallback(SECONDARY.getHostAddress(), f -> f.port(secondary.port()))
                .healthCheck(HealthCheck.connect().ports(checkPort.port()).interval(Duration.ofMillis(200))
                        .timeout(Duration.ofMillis(200)).failAfter(1).riseAfter(1))
                .onDown(onDown)
                .build();
        LoadBalancer lb = LoadBalancer.builder().engine(ProxyEngine.create()).service(spec).build();
        lb.start();
        later(() -> lb.stop(Duration.ZERO));
        balancer = lb;
        return checkPort;
    }

    private LoadBalancer balancer;

    private Socket connect(int vipPort) throws IOException {
        Socket s = later(new Socket());
        s.connect(new InetSocketAddress(VIP, vipPort), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static String echo(Socket s, BufferedReader in, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return in.readLine();
    }

    private void awaitDown() {
        await(() -> !balancer.events().history().stream().filter(RealServerDown.class::isInstance).toList().isEmpty(),
                "the primary to be marked down");
    }

    @Test
    void closeResetsTheConnectionsOfAServerMarkedDownAndTheClientReconnectsToTheFallback() throws Exception {
        int port = freeTcpPort(VIP);
        TestServer checkPort = startBalancer(OnDown.CLOSE, port);
        Socket association = connect(port);
        BufferedReader in = reader(association);
        assertThat(in.readLine()).isEqualTo("primary");
        assertThat(echo(association, in, "C-STORE 1")).isEqualTo("C-STORE 1");

        checkPort.close(); // the check fails; the data port still answers
        awaitDown();

        // A reset, not an orderly end of stream: the modality knows its association was cut.
        assertThatThrownBy(in::read).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        Socket again = connect(port);
        assertThat(reader(again).readLine()).isEqualTo("fallback");
        await(() -> balancer.status().service("PACS").realServer("PrimaryCluster").activeConnections() == 0,
                "the primary's slot to be released");
    }

    @Test
    void keepLeavesTheConnectionsOfAServerMarkedDownOpen() throws Exception {
        int port = freeTcpPort(VIP);
        TestServer checkPort = startBalancer(OnDown.KEEP, port);
        Socket association = connect(port);
        BufferedReader in = reader(association);
        assertThat(in.readLine()).isEqualTo("primary");

        checkPort.close();
        awaitDown();
        Socket again = connect(port);
        assertThat(reader(again).readLine()).as("new connections go to the fallback").isEqualTo("fallback");

        assertThat(echo(association, in, "C-STORE 2")).as("the established one carries on").isEqualTo("C-STORE 2");
        assertThat(balancer.status().service("PACS").realServer("PrimaryCluster").activeConnections()).isEqualTo(1);
    }
}
