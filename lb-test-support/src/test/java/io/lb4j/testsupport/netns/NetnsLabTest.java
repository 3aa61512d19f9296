package io.lb4j.testsupport.netns;

import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lab itself, in real namespaces (root only; run under {@code flock /tmp/lb4j-netns.lock}): what it builds, that
 * two labs never collide, and that nothing outlives it, whichever way the test ends.
 */
class NetnsLabTest {

    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final String VIP = "10.213.0.100";

    @BeforeAll
    static void requireRoot() {
        Optional<String> why = NetnsLab.unavailable("tcpdump", "ethtool", "bash");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    /** The design's lab: client, balancer, a direct-routing primary and a MASQ secondary behind the balancer. */
    private static NetnsLab.Builder pacsLab() {
        return NetnsLab.builder("lb4jts")
                .host("client", "10.213.0.10/24")
                .host("balancer", "10.213.0.2/24", h -> h.sysctl("net.ipv4.ip_forward", "1"))
                .host("primary", "10.213.0.110/24", h -> h.vip(VIP))
                .host("secondary", "10.213.0.120/32", h -> h.route("10.213.0.2/32").route("default", "10.213.0.2"));
    }

    /**
     * Whether {@code from} reaches {@code address}: a TCP connect to port 9, where nothing listens, is refused at
     * once when the address answers (ARP resolved, RST back) and times out when it cannot be reached.
     */
    private static boolean reaches(Host from, String address) {
        return from.attempt("timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/9").output()
                .contains("Connection refused");
    }

    /** Whether {@code from} reaches {@code address} within {@link #ANSWER}: a link that came up may take a moment. */
    private static boolean reachesSoon(Host from, String address) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (!reaches(from, address)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
        }
        return true;
    }

    private static String sysctl(Host h, String key) {
        return h.run("sysctl", "-n", key).strip();
    }

    /**
     * A second segment: the client's {@code eth0} is on it, the router has a leg on each; the client reaches a host
     * on the main bridge only through the router, and the router's bridge ports are on two bridges.
     */
    @Test
    void aHostOnASecondSegmentReachesTheMainOneThroughARouterWithALegOnEach() {
        NetnsLab lab = NetnsLab.builder("lb4jts")
                .host("router", "10.214.0.1/24", h -> h.link("cl", "10.214.1.1/24").sysctl("net.ipv4.ip_forward", "1"))
                .host("server", "10.214.0.20/24", h -> h.route("default", "10.214.0.1"))
                .host("client", "10.214.1.10/24", h -> h.segment("cl").route("default", "10.214.1.1"))
                .build();
        try (lab) {
            assertThat(lab.host("router").run("ip", "-o", "addr", "show", "dev", "eth1")).contains("10.214.1.1/24");
            assertThat(reachesSoon(lab.host("client"), "10.214.0.20")).as("through the router").isTrue();
            // Without the router's leg the client's segment is cut off from the main one.
            lab.host("router").run("ip", "link", "set", "eth1", "down");
            assertThat(reaches(lab.host("client"), "10.214.0.20")).isFalse();
            // The client's own bridge port is on the segment's bridge, not the main one.
            lab.host("client").link(false);
            assertThat(lab.host("client").run("ip", "-o", "link", "show", "dev", "eth0")).contains("NO-CARRIER");
        }
        assertThat(lab.leftovers()).isEmpty();
        assertThatThrownBy(() -> NetnsLab.builder("lb4jts").host("x", "10.0.0.1/24", h -> h.segment("p")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segment: \"p\" (expected: [a-z][a-z0-9]{0,3}, not \"p\")");
    }

    @Test
    void buildsHostsOnABridgeOfItsOwnWithTheirAddressesVipsSysctlsAndRoutes() {
        NetnsLab lab = pacsLab().build();
        try (lab) {
            Host client = lab.host("client");
            Host primary = lab.host("primary");
            Host secondary = lab.host("secondary");
            assertThat(lab.hosts()).extracting(Host::name).containsExactly("client", "balancer", "primary",
                    "secondary");
            assertThat(client.namespace()).isEqualTo(lab.prefix() + "-client").matches("lb4jts-[0-9a-f]{6}-client");
            assertThat(client.address()).isEqualTo("10.213.0.10");

            assertThat(reaches(client, "10.213.0.110")).isTrue();
            assertThat(client.neighbour("10.213.0.110")).contains(primary.mac());
            assertThat(Command.run("ip", "-o", "addr")).as("the root namespace holds no lab address")
                    .doesNotContain("10.213.0.");

            assertThat(primary.run("ip", "-o", "addr", "show", "dev", "lo")).contains(" " + VIP + "/32 ");
            assertThat(primary.hasAddress(VIP)).as("the VIP is on lo, not eth0").isFalse();
            assertThat(sysctl(primary, "net.ipv4.conf.all.arp_ignore")).isEqualTo("1");
            assertThat(sysctl(primary, "net.ipv4.conf.eth0.arp_announce")).isEqualTo("2");
            assertThat(sysctl(lab.host("balancer"), "net.ipv4.ip_forward")).isEqualTo("1");
            assertThat(secondary.run("ip", "route")).isEqualTo("default via 10.213.0.2 dev eth0 \n"
                    + "10.213.0.2 dev eth0 scope link \n");
            assertThat(Files.isDirectory(lab.directory())).isTrue();
        }
        assertThat(lab.leftovers()).isEmpty();
        assertThat(lab.directory()).doesNotExist();
    }

    @Test
    void interfacesKeepTheirDefaultOffloadsUnlessSwitchedOff() {
        try (NetnsLab on = NetnsLab.builder("lb4jts").host("a", "10.0.0.1/24").build();
             NetnsLab off = NetnsLab.builder("lb4jts").host("a", "10.0.0.1/24").offloads(false).build()) {
            assertThat(on.host("a").run("ethtool", "-k", "eth0")).contains("tcp-segmentation-offload: on",
                    "generic-segmentation-offload: on");
            assertThat(off.host("a").run("ethtool", "-k", "eth0")).contains("tcp-segmentation-offload: off",
                    "generic-segmentation-offload: off", "generic-receive-offload: off");
        }
    }

    @Test
    void twoLabsWithTheSameHostsAndAddressesNeverCollide() {
        try (NetnsLab first = pacsLab().build(); NetnsLab second = pacsLab().build()) {
            assertThat(first.prefix()).isNotEqualTo(second.prefix());
            assertThat(reaches(first.host("client"), "10.213.0.110")).isTrue();
            assertThat(reaches(second.host("client"), "10.213.0.110")).isTrue();
            assertThat(first.host("client").neighbour("10.213.0.110")).contains(first.host("primary").mac())
                    .isNotEqualTo(second.host("client").neighbour("10.213.0.110"));
        }
    }

    @Test
    void aJavaMainRunsInsideAHostAndAnswersOnItsVip() {
        try (NetnsLab lab = pacsLab().build()) {
            ChildProcess server = lab.host("primary").startJava(List.of("-Xmx64m"), TestServerMain.class,
                    "primary", "7000");
            server.next("READY"::equals, ANSWER);
            // The client's route to the VIP: through the primary's MAC, as a balancer's direct routing would send it.
            lab.host("client").run("ip", "neigh", "replace", VIP, "lladdr", lab.host("primary").mac(), "dev", "eth0");
            assertThat(lab.host("client").run("bash", "-c", "exec 3<>/dev/tcp/" + VIP + "/7000; head -1 <&3"))
                    .isEqualTo("primary 7000\n");
        }
    }

    @Test
    void tcpdumpAndTheAddressMonitorReportWhatHappensAfterTheyReturn() {
        try (NetnsLab lab = pacsLab().build()) {
            Host client = lab.host("client");
            ChildProcess capture = client.tcpdump("tcp port 9");
            ChildProcess addresses = lab.host("primary").watchAddresses();
            int from = addresses.size();

            assertThat(reaches(client, "10.213.0.110")).isTrue();
            lab.host("primary").run("ip", "addr", "add", "10.213.0.111/32", "dev", "eth0");

            assertThat(capture.await(0, l -> l.matches(".* IP 10\\.213\\.0\\.10\\.\\d+ > 10\\.213\\.0\\.110\\.9: "
                    + "Flags \\[S\\].*"), ANSWER)).as("the SYN, captured:%n%s", capture.text()).isPresent();
            assertThat(addresses.await(from, l -> l.contains(" 10.213.0.111/32 ") && !l.startsWith("Deleted"),
                    ANSWER)).isPresent();
        }
    }

    /**
     * The README's IPv6 real-server step, checked twice: the text in the README is what the lab runs, and it is
     * enough. A client that solicits the VIP gets no answer (the real server announces nothing for an address on
     * {@code lo}, with no sysctl), a frame addressed to the real server's MAC, as the balancer forwards it, is answered
     * from the VIP, and the real server's own solicitations come from its link-local address, never the VIP.
     */
    @Test
    void anIpv6VipOnLoopbackIsNeverAnnouncedYetAcceptsWhatIsForwardedToIt() throws IOException {
        String vip6 = "2001:db8:213::100";
        assertThat(Files.readString(Path.of("..", "README.md")))
                .as("the README's IPv6 real-server step is what the lab runs")
                .contains("ip " + String.join(" ", NetnsLab.ipv6VipStep("2001:db8::100")) + "\n");
        try (NetnsLab lab = NetnsLab.builder("lb4jts")
                .host("client", "10.213.0.10/24")
                .host("primary", "10.213.0.110/24", h -> h.vip(vip6))
                .build()) {
            Host client = lab.host("client");
            Host primary = lab.host("primary");
            client.run("ip", "-6", "addr", "add", "2001:db8:213::10/64", "dev", "eth0", "nodad");
            primary.run("ip", "-6", "addr", "add", "2001:db8:213::110/64", "dev", "eth0", "nodad");
            assertThat(primary.run("ip", "-6", "-o", "addr", "show", "dev", "lo"))
                    .contains(" " + vip6 + "/128 scope global nodad");
            assertThat(sysctl(primary, "net.ipv4.conf.all.arp_ignore")).as("no IPv4 sysctl for an IPv6 VIP")
                    .isEqualTo("0");
            assertThat(reachesSoon(client, "2001:db8:213::110")).as("the lab's IPv6 link works").isTrue();
            long deadline = System.nanoTime() + ANSWER.toNanos();
            while (!primary.run("ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link").contains("fe80:")
                    || primary.run("ip", "-6", "-o", "addr", "show", "dev", "eth0", "tentative").contains("fe80:")) {
                assertThat(System.nanoTime() - deadline).as("a link-local address past DAD").isNegative();
            }
            ChildProcess capture = primary.tcpdump("icmp6");

            assertThat(reaches(client, vip6)).as("the VIP, solicited on the link").isFalse();
            assertThat(client.neighbour(vip6)).as("no answer to the client's solicitations").isEmpty();

            client.run("ip", "-6", "neigh", "replace", vip6, "lladdr", primary.mac(), "dev", "eth0");
            primary.run("ip", "-6", "neigh", "flush", "dev", "eth0");
            assertThat(reaches(client, vip6)).as("the VIP, forwarded to the real server's MAC").isTrue();
            assertThat(capture.await(0, l -> l.contains("neighbor solicitation, who has 2001:db8:213::10")
                    && l.contains(" IP6 fe80:"), ANSWER)).as("the real server solicits from its link-local address:%n%s",
                    capture.text()).isPresent();
            assertThat(capture.text()).as("no neighbour message for or from the VIP but the client's solicitations")
                    .doesNotContain("IP6 " + vip6 + " >").doesNotContain("tgt is " + vip6);
        }
    }

    @Test
    void aHostWhoseBridgePortIsDownIsCutOff() {
        try (NetnsLab lab = pacsLab().build()) {
            Host client = lab.host("client");
            lab.host("primary").link(false);
            assertThat(reaches(client, "10.213.0.110")).isFalse();
            lab.host("primary").link(true);
            assertThat(reachesSoon(client, "10.213.0.110")).isTrue();
        }
    }

    @Test
    void aHostInTheCallersNamespaceHasAnInterfaceOfItsOwnThereAndCloseRemovesIt() throws IOException {
        NetnsLab lab = NetnsLab.builder("lb4jts")
                .host("client", "10.214.0.10/24")
                .host("balancer", "10.214.0.2/24", h -> h.callersNamespace().sysctl("net.ipv4.conf.eth0.arp_ignore",
                        "1").route("10.214.1.0/24", "10.214.0.10"))
                .build();
        Host balancer = lab.host("balancer");
        String link = balancer.interfaceName();
        try (lab) {
            assertThat(balancer.inCallersNamespace()).isTrue();
            assertThat(link).isEqualTo(lab.prefix().substring(lab.prefix().length() - 6) + "-balancer").hasSize(15);
            assertThat(Command.run("ip", "-o", "addr", "show", "dev", link)).contains(" 10.214.0.2/24 ");
            assertThat(Command.run("ip", "-o", "link", "show", "dev", link)).as("the alias says whose it is")
                    .contains("alias " + lab.prefix() + "-balancer");
            assertThat(Command.run("sysctl", "-n", "net.ipv4.conf." + link + ".arp_ignore").strip()).isEqualTo("1");
            assertThat(Command.run("ip", "route", "show", "10.214.1.0/24")).contains("via 10.214.0.10 dev " + link);
            assertThat(lab.leftovers()).contains(link);

            assertThat(reaches(lab.host("client"), "10.214.0.2")).as("the client reaches the caller's namespace")
                    .isTrue();
            assertThat(lab.host("client").neighbour("10.214.0.2")).contains(balancer.mac());
            try (Socket s = new Socket()) {                            // and a socket of this JVM reaches the client
                assertThatThrownBy(() -> s.connect(new InetSocketAddress("10.214.0.10", 9), 3000))
                        .isInstanceOf(ConnectException.class).hasMessageContaining("refused");
            }
        }
        assertThat(lab.leftovers()).isEmpty();
        assertThat(Command.attempt(List.of("ip", "link", "show", "dev", link)).exitCode()).as("interface %s", link)
                .isNotZero();
        assertThat(Command.run("ip", "route")).doesNotContain("10.214.");
    }

    @Test
    void aHostInTheCallersNamespaceMayChangeNothingButItsOwnInterface() {
        List<String> before = namespaces();
        String links = Command.run("ip", "-o", "link");
        assertThatThrownBy(() -> NetnsLab.builder("lb4jts").host("b", "10.214.0.2/24", h -> h.callersNamespace()
                .vip(VIP))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot have a VIP");
        assertThatThrownBy(() -> NetnsLab.builder("lb4jts").host("b", "10.214.0.2/24", h -> h.callersNamespace()
                .sysctl("net.ipv4.ip_forward", "1"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sysctl net.ipv4.ip_forward is not its interface's own");
        assertThatThrownBy(() -> NetnsLab.builder("lb4jts").host("balancer1", "10.214.0.2/24",
                HostSetup::callersNamespace)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 8 characters");
        // 127.0.0.0/8 is on lo: the lab's traffic would be ambiguous in the caller's namespace.
        assertThatThrownBy(() -> NetnsLab.builder("lb4jts").host("a", "10.214.0.1/24")
                .host("b", "127.0.0.7/8", HostSetup::callersNamespace).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("overlaps");
        assertThat(namespaces()).isEqualTo(before);
        assertThat(Command.run("ip", "-o", "link")).isEqualTo(links);
    }

    @Test
    void closeKillsEveryProcessInsideEvenOnesTheLabDidNotStart() throws Exception {
        NetnsLab lab = pacsLab().build();
        ChildProcess started;
        Process foreign;
        try (lab) {
            started = lab.host("primary").start("sleep", "600");
            foreign = new ProcessBuilder(lab.host("secondary").command("sleep", "600")).start();
            assertThat(started.isAlive()).isTrue();
        }
        assertThat(started.isAlive()).isFalse();
        assertThat(foreign.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).as("the foreign sleep ended").isTrue();
        assertThat(lab.leftovers()).isEmpty();
    }

    @Test
    void closeFinishesItsWorkWhenTheCallingThreadIsInterrupted() {
        NetnsLab lab = pacsLab().build();
        lab.host("client").start("sleep", "600");
        Thread.currentThread().interrupt();
        try {
            lab.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    @Test
    void aSetUpThatFailsHalfWayRemovesWhatItCreated() {
        List<String> before = namespaces();
        assertThatThrownBy(() -> NetnsLab.builder("lb4jtsfail").host("a", "10.213.0.1/24")
                .host("b", "10.213.0.2/24", h -> h.route("default", "192.0.2.1")).build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("route add default via 192.0.2.1: exit 2");
        assertThat(namespaces()).isEqualTo(before);
    }

    @Test
    void theShutdownHookRemovesALabWhenTheJvmIsTerminatedWithoutClosingIt() {
        ChildProcess jvm = ChildProcess.start("abandoning-jvm", List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                AbandonedLabMain.class.getName()));
        String prefix = jvm.next(l -> l.startsWith("LAB "), ANSWER).substring(4);
        assertThat(namespacesStartingWith(prefix)).hasSize(2);

        jvm.close();                                                   // SIGTERM: the JVM runs its shutdown hooks

        assertThat(namespacesStartingWith(prefix)).isEmpty();
    }

    private static List<String> namespaces() {
        return Command.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).sorted().toList();
    }

    private static List<String> namespacesStartingWith(String prefix) {
        return namespaces().stream().filter(n -> n.startsWith(prefix + "-")).toList();
    }

    /** Builds a lab, says its prefix, and waits to be terminated without ever closing it. */
    public static final class AbandonedLabMain {
        public static void main(String[] args) throws Exception {
            NetnsLab lab = NetnsLab.builder("lb4jtshook").host("a", "10.0.0.1/24").build();
            System.out.println("LAB " + lab.prefix());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
