package io.lb4j.engine.proxy;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.address;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static io.lb4j.engine.proxy.TestSupport.real;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code preserveClientAddress} in one JVM, on loopback: what {@link ProxyEngine#install} refuses and why, the real
 * server seeing the client's own address (loopback addresses are local, so no host recipe is needed here; the
 * namespace test proves the recipe across hosts), a client of the other family, and that the documentation gives
 * the recipe the namespace test applies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineClientAddressTest {

    /** A client address other than the VIP's and the balancer's usual source 127.0.0.1. */
    private static final InetAddress CLIENT = address("127.0.0.5");

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private ProxyEngine engine;

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.stop(Duration.ZERO);
        }
        for (AutoCloseable c : closeLater) {
            c.close();
        }
    }

    private ProxyEngine started(Transport transport) {
        engine = ProxyEngine.builder().transport(transport).ioThreads(1).build();
        engine.start(TaskClock::system);
        return engine;
    }

    private static VirtualService.Builder pacs(int port, TestServer server) {
        return VirtualService.proxy().label("PACS").address(VIP).ports(port).healthCheck(HealthCheck.none())
                .real("PrimaryCluster", PRIMARY.getHostAddress(), r -> r.port(server.port()));
    }

    @Test
    void onJavaNioAServiceThatKeepsTheClientsAddressIsRefusedNamingTheNativeTransportsAndNothingIsBound()
            throws Exception {
        TestServer server = TestServer.start(PRIMARY, 0, Handler.close());
        closeLater.add(server);
        int port = freeTcpPort(VIP);
        VirtualService spec = pacs(port, server).preserveClientAddress(true).build();
        ProxyEngine e = started(Transport.NIO);

        assertThatThrownBy(() -> e.install(table(spec, 1, List.of(real(spec, "PrimaryCluster")), null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("service \"PACS\": preserveClientAddress needs a native transport (io_uring"
                        + " or epoll: ProxyEngine.builder().transport(Transport.AUTO); engine: { transport: auto } in"
                        + " the appliance file) and this engine runs on nio, which cannot set IP_TRANSPARENT");
        try (ServerSocket free = new ServerSocket()) {
            free.bind(new InetSocketAddress(VIP, port)); // the refused service bound nothing
        }
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"IO_URING", "EPOLL"})
    void onANativeTransportTheRealServerSeesTheClientsOwnAddressAndWithoutTheOptionTheBalancers(Transport transport)
            throws Exception {
        Assumptions.assumeTrue(transport.isAvailable(), () -> transport + " unavailable: "
                + transport.unavailabilityCause().orElse(null));
        Assumptions.assumeTrue(Command.isRoot(), "IP_TRANSPARENT needs CAP_NET_ADMIN: run as root");
        TestServer server = TestServer.start(PRIMARY, 0, Handler.greetWithPeer("primary").then(Handler.echo()));
        closeLater.add(server);
        int kept = freeTcpPort(VIP);
        int plain = freeTcpPort(VIP);
        VirtualService keeps = pacs(kept, server).preserveClientAddress(true).proxyProtocol(ProxyProtocol.NONE)
                .build();
        VirtualService other = pacs(plain, server).label("OTHER").build();
        ProxyEngine e = started(transport);
        e.install(table(keeps, 1, List.of(real(keeps, "PrimaryCluster")), null));
        e.install(table(other, 1, List.of(real(other, "PrimaryCluster")), null));

        String[] seen = greeting(kept).split(" ");
        assertThat(seen[2]).as("peer the real server sees").startsWith(CLIENT.getHostAddress() + ":");
        assertThat(seen[2]).as("an ephemeral port, not the client's").isNotEqualTo(CLIENT.getHostAddress() + ":"
                + seen[3]);
        assertThat(greeting(plain).split(" ")[2]).as("without preserveClientAddress: the balancer's address")
                .doesNotStartWith(CLIENT.getHostAddress() + ":");
        assertThat(e.stats().connectFailures()).isZero();
    }

    /** Connects from {@link #CLIENT} to VIP:port; returns the greeting and the client's port after a space. */
    private String greeting(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.bind(new InetSocketAddress(CLIENT, 0));
            s.connect(new InetSocketAddress(VIP, port));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.US_ASCII));
            String line = in.readLine();
            s.getOutputStream().write("echo\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("echo");
            return line + " " + s.getLocalPort();
        }
    }

    @Test
    void aClientOfTheOtherFamilyIsNotConnectedFromTheBalancersAddressInstead() {
        InetSocketAddress v4Client = new InetSocketAddress(CLIENT, 40000);
        InetSocketAddress v6Server = new InetSocketAddress(address("fd00::110"), 104);
        InetSocketAddress v4Server = new InetSocketAddress(PRIMARY, 104);

        assertThat(ClientAddress.source(v4Client, v4Server)).isEqualTo(new InetSocketAddress(CLIENT, 0));
        assertThat(ClientAddress.source(v4Client, v6Server)).isNull();
        assertThat(ClientAddress.familyMismatch(v4Client, v6Server)).hasMessage("preserveClientAddress: client"
                + " 127.0.0.5 is IPv4 and real server [fd00::110]:104 is IPv6; a connection cannot come"
                + " from the client's address, and is not made from the balancer's instead");
    }

    @Test
    void theDocumentationGivesTheHostRecipeTheNamespaceTestApplies() throws IOException {
        List<String> recipe = new ArrayList<>(ProxyEngineClientAddressNamespaceTest.BALANCER_RECIPE);
        recipe.add(ProxyEngineClientAddressNamespaceTest.REAL_SERVER_RECIPE);
        String readme = Files.readString(Path.of("..", "README.md"));
        String engineDoc = javadoc(Path.of("src/main/java/io/lb4j/engine/proxy/ProxyEngine.java"));
        String serviceDoc = javadoc(Path.of("../lb-api/src/main/java/io/lb4j/api/VirtualService.java"));

        for (String line : recipe) {
            assertThat(readme).as("README.md").contains("\n" + line + "\n");
            assertThat(engineDoc).as("ProxyEngine's Javadoc").contains("\n" + line + "\n");
            assertThat(serviceDoc).as("VirtualService.Builder#preserveClientAddress's Javadoc")
                    .contains("\n" + line + "\n");
        }
    }

    /** The source with each line's leading comment asterisk taken off, as Javadoc shows a {@code <pre>} block. */
    private static String javadoc(Path source) throws IOException {
        return String.join("\n", Files.readAllLines(source).stream()
                .map(l -> l.replaceFirst("^\\s*\\* ?", "")).toList()) + "\n";
    }
}
