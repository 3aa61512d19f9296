package io.lb4j.engine.proxy;

import io.lb4j.engine.proxy.lab.TransparentBalancer;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * System test of {@code preserveClientAddress}: the modality's own address at the real server, through the proxy
 * engine, in network namespaces (root only). The engine runs in a child JVM in the balancer's namespace with the
 * host recipe of {@link ProxyEngine}'s Javadoc and the README applied exactly as {@link #BALANCER_RECIPE} and
 * {@link #REAL_SERVER_RECIPE} say; the real server's test server greets each connection with the address it came
 * from. Needs the Debian packages {@code iproute2} and {@code nftables}, and {@code setpriv} (util-linux).
 *
 * <pre>
 *   client 10.214.0.10/24 ───┐
 *   balancer 10.214.0.2/24 ──┤ br0 (own namespace)   VIP = the balancer's address, port 104
 *   primary 10.214.0.110/32 ─┘ host route to the balancer, default via it (the recipe's real-server line)
 * </pre>
 */
class ProxyEngineClientAddressNamespaceTest {

    /** The balancer's part of the host recipe, one shell command a line, as the documentation gives it. */
    static final List<String> BALANCER_RECIPE = List.of(
            "nft add table inet lb4j",
            "nft add chain inet lb4j divert '{ type filter hook prerouting priority mangle; }'",
            "nft add rule inet lb4j divert meta l4proto tcp socket transparent 1 meta mark set 1",
            "ip rule add fwmark 1 lookup 100",
            "ip route add local 0.0.0.0/0 dev lo table 100");
    /** Each real server's part, with the balancer's address for {@code BALANCER_ADDRESS}. */
    static final String REAL_SERVER_RECIPE = "ip route add default via BALANCER_ADDRESS";

    static final Duration ANSWER = Duration.ofSeconds(20);
    static final String CLIENT = "10.214.0.10";
    static final String BALANCER = "10.214.0.2";
    static final String PRIMARY = "10.214.0.110";

    static NetnsLab lab;
    static final List<ChildProcess> agents = new ArrayList<>();
    static ChildProcess balancer;

    @BeforeAll
    static void buildLab() {
        Optional<String> notRoot = NetnsLab.unavailable();
        Assumptions.assumeTrue(notRoot.isEmpty(), () -> "system test skipped: " + notRoot.orElseThrow());
        assertThat(Command.missing("nft", "setpriv")).as("the client-address system test's tools").isEmpty();
        assertThat(Epoll.isAvailable()).as("Netty's epoll transport (%s)", Epoll.unavailabilityCause()).isTrue();
        lab = NetnsLab.builder("lb4jpa")
                .host("client", CLIENT + "/24")
                .host("balancer", BALANCER + "/24")
                .host("primary", PRIMARY + "/32", h -> h.route(BALANCER + "/32"))
                .build();
        for (String line : BALANCER_RECIPE) {
            lab.host("balancer").run("sh", "-c", line);
        }
        lab.host("primary").run("sh", "-c", REAL_SERVER_RECIPE.replace("BALANCER_ADDRESS", BALANCER));
        ready(lab.host("primary").startJava(TestServerMain.class, "primary", "peer:104"));
        balancer = ready(lab.host("balancer").startJava(TransparentBalancer.class, BALANCER, "104", PRIMARY));
    }

    private static ChildProcess ready(ChildProcess agent) {
        agents.add(agent);
        String line = agent.next(l -> l.equals("READY") || l.startsWith("FAILED"), ANSWER);
        assertThat(line).as("%s started (transcript: %s)", agent, agent.transcript()).isEqualTo("READY");
        return agent;
    }

    @AfterAll
    static void tearDown() {
        if (lab == null) {
            return;
        }
        try {
            lab.close();
        } finally {
            Path logs = Path.of("target", "lb4j-lab");
            for (ChildProcess a : agents) { // kept for when it fails in CI
                try {
                    Files.createDirectories(logs);
                    Files.write(logs.resolve(a + ".log"), a.transcript());
                } catch (IOException e) {
                    System.err.println("lab log of " + a + ": " + e);
                }
            }
            agents.clear();
        }
    }

    /** Connects from the client's namespace to VIP:104, reads the greeting, echoes a line; returns both lines. */
    private static List<String> greetingAndEcho(String line) {
        Command.Result r = lab.host("client").attempt("timeout", "10", "bash", "-c", "exec 3<>/dev/tcp/" + BALANCER
                + "/104 && read -r greeting <&3 && echo \"$greeting\" && echo " + line + " >&3 && read -r echo <&3"
                + " && echo \"$echo\"");
        assertThat(r.exitCode()).as("client through the VIP: %s (balancer: %s)", r.output(), balancer.transcript())
                .isZero();
        return r.output().strip().lines().toList();
    }

    @Test
    void theRealServerSeesTheModalitysOwnAddressAndTheRelayWorksBothWays() {
        for (int i = 0; i < 3; i++) {
            List<String> lines = greetingAndEcho("study-" + i);

            assertThat(lines).hasSize(2);
            // "primary 104 10.214.0.10:PORT": the connection came from the client's address, not the balancer's.
            assertThat(lines.get(0)).matches("primary 104 " + CLIENT.replace(".", "\\.") + ":\\d+");
            assertThat(lines.get(1)).isEqualTo("study-" + i);
        }
        assertThat(balancer.ask("stats", ANSWER)).contains("connectFailures=0", "errors=0");
    }

    @Test
    void withoutCapNetAdminTheStartIsRefusedNamingTheCapability() {
        Host host = lab.host("balancer");
        // CAP_NET_RAW permits IP_TRANSPARENT too: both go, from the bounding and inheritable sets, so the JVM that
        // setpriv executes has neither (root's permitted set is its bounding set at exec).
        List<String> command = new ArrayList<>(List.of("setpriv", "--inh-caps=-net_admin,-net_raw",
                "--bounding-set=-net_admin,-net_raw"));
        command.addAll(host.javaCommand(List.of(), TransparentBalancer.class, BALANCER, "105", PRIMARY));
        ChildProcess refused = host.start("balancer-without-cap", command);
        agents.add(refused);

        String line = refused.next(l -> l.equals("READY") || l.startsWith("FAILED"), ANSWER);

        assertThat(line).as(refused.text()).startsWith("FAILED ").contains("service \"PACS\": preserveClientAddress"
                + " needs CAP_NET_ADMIN (CAP_NET_RAW also does) to set IP_TRANSPARENT");
        assertThat(refused.awaitExit(ANSWER)).isEqualTo(1);
        assertThat(host.attempt("ss", "-Htln", "sport", "=", "105").output()).as("nothing bound on port 105")
                .isBlank();
    }
}
