package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * lb4j and keepalived 2.x ({@code vrrp_version 3}) as one pair over IPv6 (RFC 5798: adverts to ff02::12 from the
 * link-local address, hop limit 255), same VRID 51, on {@link PairTopology}'s bridge with IPv6 added: A
 * 2001:db8:77::1, B ::2, client C ::10, all /64. Takeovers are held to the IPv4 interop tests' bound
 * ({@link KeepalivedInteropTest}: 1.2 &times; Master_Down_Interval), and the client's neighbour cache must follow a
 * takeover by the new master's unsolicited Neighbour Advertisements alone, within a second (keepalived #375: 30-45 s
 * when the advertisements are wrong). Also: unicast peers over IPv6 (link-local peers), and an IPv4 and an IPv6
 * instance side by side on one interface with the same VRID.
 */
class Keepalived6InteropTest {

    private static final int ADVERT_MS = Integer.getInteger("lb4j.ha.interopAdvertMillis", 500);
    private static final String PREFIX = "2001:db8:77::";
    static final String VIP6 = PREFIX + "100";
    private static final Pattern LINK_LOCAL = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64");
    private static final List<NetnsLab> LABS = new ArrayList<>();

    private static Duration generous() {
        return Duration.ofMillis(Math.max(10_000, 10L * ADVERT_MS));
    }

    @BeforeAll
    static void requireRootAndKeepalived() {
        Optional<String> why = NetnsLab.unavailable("keepalived", "tcpdump", "bash");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    @AfterAll
    static void everyNamespaceIsGone() {
        for (NetnsLab lab : LABS) {
            assertThat(lab.leftovers()).as("namespaces left by " + lab.prefix()).isEmpty();
        }
    }

    /** The pair lab with IPv6 on every host, each link-local address past duplicate address detection. */
    private static NetnsLab lab() {
        NetnsLab lab = PairTopology.pair();
        LABS.add(lab);
        for (String[] h : new String[][] {{"a", "1"}, {"b", "2"}, {"c", "10"}}) {
            lab.host(h[0]).run("ip", "-6", "addr", "add", PREFIX + h[1] + "/64", "dev", "eth0", "nodad");
        }
        long deadline = System.nanoTime() + generous().toNanos();
        for (String h : List.of("a", "b", "c")) {
            // A tentative link-local address cannot source adverts or answers yet.
            while (linkLocal(lab, h).isEmpty()
                    || !lab.host(h).run("ip", "-6", "addr", "show", "dev", "eth0", "tentative").isBlank()) {
                assertThat(System.nanoTime() - deadline).as("host %s's link-local address still tentative", h)
                        .isNegative();
            }
        }
        return lab;
    }

    private static Optional<String> linkLocal(NetnsLab lab, String host) {
        Matcher m = LINK_LOCAL.matcher(lab.host(host).run("ip", "-6", "-o", "addr", "show", "dev", "eth0",
                "scope", "link"));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static long masterDownNanos(int priority) {
        return 3L * ADVERT_MS * 1_000_000L + (256L - priority) * ADVERT_MS * 1_000_000L / 256;
    }

    private static boolean added(String monitorLine, String address) {
        return monitorLine.contains(" " + address + "/") && !monitorLine.startsWith("Deleted");
    }

    private static long awaitVip(ChildProcess watch, int from, String address) {
        return watch.await(from, l -> added(l, address), generous()).map(ChildProcess.Line::nanos)
                .orElseThrow(() -> new AssertionError(address + " not added within " + generous() + "; monitor:\n"
                        + watch.text()));
    }

    private static void report(String what, long nanos, long limitNanos) {
        System.out.printf("TAKEOVER %-55s %7.1f ms (limit %7.1f ms)%n", what, nanos / 1e6, limitNanos / 1e6);
    }

    /** The client resolves the VIP: a TCP connection attempt to port 9 (refused or not, it solicits first). */
    private static void clientTouchesVip(NetnsLab lab) {
        lab.host("c").attempt("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + VIP6 + "/9 || true");
    }

    /** Polls the client's neighbour entry for the VIP until it holds {@code mac}, for at most one second. */
    private static void awaitClientNeighbour(NetnsLab lab, String mac) {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        Optional<String> seen = lab.host("c").neighbour(VIP6);
        while (!seen.equals(Optional.of(mac)) && System.nanoTime() < deadline) {
            seen = lab.host("c").neighbour(VIP6);
        }
        assertThat(seen).as("client's neighbour entry for " + VIP6 + ": "
                + lab.host("c").run("ip", "-6", "neigh", "show", "dev", "eth0")).contains(mac);
    }

    @Test
    void sigkillOfKeepalivedMasterHandsTheVipToLb4jAndTheClientsNeighbourEntryFollowsByAdvertisement()
            throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 150, ADVERT_MS, VIP6);
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 100, ADVERT_MS, VIP6);
            keepalived.start();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnA = lab.host("a").watchAddresses();
            lb4j.start();
            assertThat(lb4j.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            // lb4j hears keepalived's IPv6 adverts (checksum over the pseudo-header, hop limit 255): stays backup.
            assertThat(lb4j.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(100)))).isEmpty();
            clientTouchesVip(lab);
            assertThat(lab.host("c").neighbour(VIP6)).contains(lab.host("b").mac());
            int from = vipOnA.size();

            long killedAt = System.nanoTime();
            keepalived.kill();

            long takeover = awaitVip(vipOnA, from, VIP6) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("IPv6 SIGKILL keepalived -> lb4j (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            // The owner adds the VIP before the process prints its state change: wait for the line, not race it.
            assertThat(lb4j.awaitMaster(0, generous())).as("lb4j says it is master").isPresent();
            assertThat(lab.host("a").run("ip", "-6", "-o", "addr", "show", "dev", "eth0"))
                    .as("the VIP is usable at once: no duplicate address detection")
                    .contains(" " + VIP6 + "/128").doesNotContain("tentative");
            // The dead keepalived left the VIP on B; only the unsolicited advertisement moves the client.
            awaitClientNeighbour(lab, lab.host("a").mac());
        }
    }

    @Test
    void sigkillOfLb4jMasterHandsTheVipToKeepalivedWithinMasterDownInterval() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS, VIP6);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS, VIP6);
            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start();
            keepalived.awaitRunning(generous());
            // keepalived (its kernel verifies the checksum, IPV6_CHECKSUM) accepts lb4j's adverts: stays backup.
            assertThat(keepalived.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(100)))).isEmpty();
            clientTouchesVip(lab);
            assertThat(lab.host("c").neighbour(VIP6)).contains(lab.host("a").mac());
            int from = vipOnB.size();

            long killedAt = System.nanoTime();
            lb4j.kill();

            long takeover = awaitVip(vipOnB, from, VIP6) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("IPv6 SIGKILL lb4j -> keepalived (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);
            awaitClientNeighbour(lab, lab.host("b").mac());
        }
    }

    @Test
    void lb4jPreemptsKeepalivedAndGracefulStopHandsTheVipBackWithinSkewTime() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS, VIP6);
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS, VIP6);
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start();
            assertThat(keepalived.awaitMaster(0, generous())).isPresent();
            awaitVip(vipOnB, 0, VIP6);
            clientTouchesVip(lab);

            lb4j.start();
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            assertThat(keepalived.awaitBackup(0, generous())).isPresent();
            awaitClientNeighbour(lab, lab.host("a").mac());

            ChildProcess sniffer = lab.host("c").tcpdump("ip6 proto 112");
            int from = vipOnB.size();
            lb4j.gracefulStop();
            long vipAt = awaitVip(vipOnB, from, VIP6);
            long priorityZero = sniffer.await(0, l -> l.contains("prio 0,"), generous())
                    .map(ChildProcess.Line::nanos)
                    .orElseThrow(() -> new AssertionError("no priority-0 advert seen:\n" + sniffer.text()));
            long limit = (256L - 100) * ADVERT_MS * 1_000_000L / 256 * 12 / 10;
            report("IPv6 lb4j graceful stop -> keepalived, from prio 0", vipAt - priorityZero, limit);
            assertThat(vipAt - priorityZero).isLessThanOrEqualTo(limit);
            assertThat(sniffer.lines()).extracting(ChildProcess.Line::text)
                    .as("adverts to ff02::12 from link-local addresses")
                    .allMatch(l -> !l.contains("VRRP") || l.contains("fe80::") && l.contains("ff02::12"));
            awaitClientNeighbour(lab, lab.host("b").mac());
        }
    }

    @Test
    void withUnicastPeersOverIpv6EachAcceptsTheOthersAdvertsAndKeepalivedTakesOverOnSigkill() throws Exception {
        try (NetnsLab lab = lab()) {
            String aLinkLocal = linkLocal(lab, "a").orElseThrow();
            String bLinkLocal = linkLocal(lab, "b").orElseThrow();
            PairNode.Lb4j lb4j = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS, VIP6);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS, VIP6);
            ChildProcess sniffer = lab.host("c").tcpdump("ip6 proto 112");
            lb4j.start("unicastPeer=" + bLinkLocal);
            assertThat(lb4j.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start("unicastPeer=" + aLinkLocal);
            keepalived.awaitRunning(generous());
            assertThat(keepalived.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(100))))
                    .as("keepalived took over from a live unicast lb4j master").isEmpty();
            int from = vipOnB.size();

            long killedAt = System.nanoTime();
            lb4j.kill();

            long takeover = awaitVip(vipOnB, from, VIP6) - killedAt;
            long limit = masterDownNanos(100) * 12 / 10;
            report("IPv6 SIGKILL lb4j -> keepalived, unicast (prio 100)", takeover, limit);
            assertThat(takeover).isLessThanOrEqualTo(limit);

            PairNode.Lb4j lower = new PairNode.Lb4j(lab, "a", 50, ADVERT_MS, VIP6);
            lower.start("unicastPeer=" + bLinkLocal);
            assertThat(lower.output.await(0, l -> l.equals("STARTED"), generous())).isPresent();
            Optional<Long> tookOver = lower.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(50)));
            if (tookOver.isPresent()) {
                lower.gracefulStop();
            }
            assertThat(tookOver).as("lb4j took over from a live unicast keepalived master:\n%s\nkeepalived:\n%s",
                    lower.output.text(), keepalived.output.text()).isEmpty();
            assertThat(keepalived.isMaster()).isTrue();
            assertThat(sniffer.lines()).extracting(ChildProcess.Line::text)
                    .as("no advert went to the multicast group").noneMatch(l -> l.contains("ff02::12"));
        }
    }

    @Test
    void anIpv4AndAnIpv6InstanceWithTheSameVridRunSideBySideOnOneInterface() throws Exception {
        try (NetnsLab lab = lab()) {
            PairNode.Lb4j lb4j4 = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS, PairTopology.VIP);
            PairNode.Lb4j lb4j6 = new PairNode.Lb4j(lab, "a", 150, ADVERT_MS, VIP6);
            PairNode.Keepalived keepalived = new PairNode.Keepalived(lab, "b", 100, ADVERT_MS, PairTopology.VIP);
            lb4j4.start();
            lb4j6.start();
            assertThat(lb4j4.awaitMaster(0, generous())).isPresent();
            assertThat(lb4j6.awaitMaster(0, generous())).isPresent();
            ChildProcess vipOnB = lab.host("b").watchAddresses();
            keepalived.start("alsoVip=" + VIP6);                  // keepalived's IPv4 and IPv6 instance, VRID 51 both
            keepalived.awaitRunning(generous());
            assertThat(keepalived.awaitMaster(0, Duration.ofNanos(2 * masterDownNanos(100))))
                    .as("keepalived took over either family from live lb4j masters").isEmpty();
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isTrue();
            assertThat(lab.host("a").hasAddress(VIP6)).isTrue();
            int from = vipOnB.size();

            lb4j6.gracefulStop();                                   // only the IPv6 instance leaves

            awaitVip(vipOnB, from, VIP6);
            assertThat(lab.host("a").hasAddress(VIP6)).isFalse();
            // The IPv4 instance is unaffected: its master stays, and keepalived's IPv4 instance stays backup.
            assertThat(vipOnB.await(from, l -> added(l, PairTopology.VIP), Duration.ofNanos(masterDownNanos(100))))
                    .isEmpty();
            assertThat(lb4j4.isMaster()).isTrue();
            assertThat(lab.host("a").hasAddress(PairTopology.VIP)).isTrue();
            assertThat(lb4j4.output.lines()).extracting(ChildProcess.Line::text)
                    .filteredOn(l -> l.startsWith("STATE")).containsExactly("STATE BACKUP STARTUP",
                            "STATE MASTER MASTER_DOWN");
        }
    }
}
