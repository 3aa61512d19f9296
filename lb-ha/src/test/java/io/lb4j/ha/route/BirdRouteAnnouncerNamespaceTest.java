package io.lb4j.ha.route;

import io.lb4j.testsupport.netns.Bird;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link BirdRouteAnnouncer} against real BIRD 2 daemons in a namespace lab (root and Debian's {@code bird2}; run
 * under {@code flock /tmp/lb4j-netns.lock}): three balancer hosts, each with its own BIRD, announce a VIP to a router
 * whose BIRD merges their paths into one ECMP kernel route. The test JVM drives each balancer's BIRD through its
 * control socket (a unix socket is reached through the file system, whatever the network namespace).
 */
class BirdRouteAnnouncerNamespaceTest {

    private static final String VIP = "10.218.100.100";
    private static final List<String> BALANCERS = List.of("10.218.0.11", "10.218.0.12", "10.218.0.13");
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @BeforeAll
    static void requireRootAndBird() {
        Optional<String> why = NetnsLab.unavailable("bird", "birdc");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    @Test
    void theRouterHasOneNextHopPerAnnouncingBalancerAndBfdDropsADeadOneWithinASecond() throws Exception {
        NetnsLab lab = NetnsLab.builder("lb4jbgp")
                .host("router", "10.218.0.1/24", h -> h.link("cl", "10.218.1.1/24")
                        .sysctl("net.ipv4.ip_forward", "1").sysctl("net.ipv4.fib_multipath_hash_policy", "1"))
                .host("a", BALANCERS.get(0) + "/24").host("b", BALANCERS.get(1) + "/24")
                .host("c", BALANCERS.get(2) + "/24")
                .build();
        try (lab) {
            Bird.start(lab, lab.host("router"), Bird.ecmpRouter("10.218.0.1", 65000, 65001, BALANCERS, true));
            List<BirdRouteAnnouncer> announcers = new java.util.ArrayList<>();
            List<Bird> birds = new java.util.ArrayList<>();
            InetAddress vip = InetAddress.getByName(VIP);
            try {
                for (String name : List.of("a", "b", "c")) {
                    Path include = lab.directory().resolve(name + "-lb4j.conf");
                    birds.add(Bird.start(lab, lab.host(name), Bird.balancer(lab.host(name).address(), include)));
                    BirdRouteAnnouncer announcer = BirdRouteAnnouncer.builder().socket(birds.getLast().socket())
                            .configFile(include).localAs(65001).neighbour(InetAddress.getByName("10.218.0.1"), 65000)
                            .bfd(true).retryInterval(Duration.ofMillis(100)).build();
                    announcers.add(announcer);
                    assertThat(announcer.start()).isEqualTo(AnnouncementState.WITHDRAWN);
                    assertThat(announcer.state(vip)).isEqualTo(AnnouncementState.WITHDRAWN);
                }
                // Nothing announced yet: the sessions are up, the router has no route to the VIP.
                assertThat(Bird.nextHops(lab.host("router"), VIP)).isEmpty();

                for (BirdRouteAnnouncer a : announcers) {
                    assertThat(a.announce(vip)).isEqualTo(AnnouncementState.ANNOUNCED);
                }
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), BALANCERS);

                // b withdraws (drained): only a and c carry the VIP.
                assertThat(announcers.get(1).withdraw(vip)).isEqualTo(AnnouncementState.WITHDRAWN);
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), List.of(BALANCERS.get(0),
                        BALANCERS.get(2)));

                // c dies as a machine dies: its BIRD is killed, BFD takes its path out within a second.
                long killed = System.nanoTime();
                birds.get(2).process().kill();
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), List.of(BALANCERS.get(0)));
                long millis = (System.nanoTime() - killed) / 1_000_000;
                assertThat(millis).as("path of a dead balancer gone after (ms)").isLessThan(1000);

                // c's BIRD is gone: a change fails, and the announcer says so (and retries).
                assertThat(announcers.get(2).withdraw(vip)).isEqualTo(AnnouncementState.FAILED);
                assertThat(announcers.get(2).state(vip)).isEqualTo(AnnouncementState.FAILED);
                // c's BIRD is back: the retry brings the withdrawn state to it, and a new announcement gets through.
                birds.set(2, Bird.start(lab, lab.host("c"), Bird.balancer("10.218.0.13",
                        lab.directory().resolve("c-lb4j.conf"))));
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (announcers.get(2).state(vip) != AnnouncementState.WITHDRAWN) {
                    assertThat(System.nanoTime() - deadline).as("retry took c's state to BIRD").isNegative();
                    Thread.sleep(20);
                }
                assertThat(announcers.get(2).announce(vip)).isEqualTo(AnnouncementState.ANNOUNCED);
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), List.of(BALANCERS.get(0),
                        BALANCERS.get(2)));
            } finally {
                announcers.forEach(BirdRouteAnnouncer::close);
            }
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    /**
     * BFD runs in BIRD and sees machines, not balancers: b's announcer lives in a JVM of its own in b's namespace with
     * a lifeline; that JVM is SIGKILLed while b's BIRD runs on, and the router still loses b's path at once.
     */
    @Test
    void aBalancerWhoseProcessDiesIsWithdrawnThoughItsBirdRunsOn() throws Exception {
        Optional<String> noTun = NetnsLab.tunUnavailable();
        assumeTrue(noTun.isEmpty(), () -> "skipped: " + noTun.orElseThrow());
        NetnsLab lab = NetnsLab.builder("lb4jlfl")
                .host("router", "10.218.0.1/24", h -> h.sysctl("net.ipv4.ip_forward", "1")
                        .sysctl("net.ipv4.fib_multipath_hash_policy", "1"))
                .host("a", BALANCERS.get(0) + "/24").host("b", BALANCERS.get(1) + "/24")
                .build();
        try (lab) {
            Bird.start(lab, lab.host("router"), Bird.ecmpRouter("10.218.0.1", 65000, 65001, BALANCERS.subList(0, 2),
                    true));
            InetAddress vip = InetAddress.getByName(VIP);
            Path includeA = lab.directory().resolve("a-lb4j.conf");
            Bird.start(lab, lab.host("a"), Bird.balancer(BALANCERS.get(0), includeA));
            Path includeB = lab.directory().resolve("b-lb4j.conf");
            Bird birdB = Bird.start(lab, lab.host("b"), Bird.balancer(BALANCERS.get(1), includeB));
            try (BirdRouteAnnouncer a = BirdRouteAnnouncer.builder().socket(Bird.socket(lab, lab.host("a")))
                    .configFile(includeA).localAs(65001).neighbour(InetAddress.getByName("10.218.0.1"), 65000)
                    .bfd(true).build()) {
                assertThat(a.announce(vip)).isEqualTo(AnnouncementState.ANNOUNCED);
                ChildProcess b = lab.host("b").startJava(AnnouncerMain.class, birdB.socket().toString(),
                        includeB.toString(), VIP);
                assertThat(b.await(0, l -> l.startsWith("STATE"), LIMIT).map(ChildProcess.Line::text))
                        .as(b::text).contains("STATE ANNOUNCED");
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), BALANCERS.subList(0, 2));
                assertThat(birdB.birdc("show", "route", "for", VIP)).contains("lb4j0");

                long killed = System.nanoTime();
                b.kill();
                awaitHops(lab, () -> Bird.nextHops(lab.host("router"), VIP), List.of(BALANCERS.get(0)));
                long millis = (System.nanoTime() - killed) / 1_000_000;
                System.out.println("BirdRouteAnnouncerNamespaceTest: path of a balancer whose JVM died gone after "
                        + millis + " ms");
                assertThat(birdB.process().isAlive()).as("b's BIRD runs on").isTrue();
                assertThat(millis).as("path gone after (ms)").isLessThan(2_000);
            }
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    /** {@code AnnouncerMain SOCKET INCLUDE VIP}: a lifeline announcer announcing VIP, then waits to be killed. */
    public static final class AnnouncerMain {
        public static void main(String[] args) throws Exception {
            BirdRouteAnnouncer announcer = BirdRouteAnnouncer.builder().socket(Path.of(args[0]))
                    .configFile(Path.of(args[1])).localAs(65001)
                    .neighbour(InetAddress.getByName("10.218.0.1"), 65000).bfd(true).lifeline("lb4j0").build();
            System.out.println("STATE " + announcer.announce(InetAddress.getByName(args[2])));
            System.out.flush();
            System.in.read(); // until killed (or the test's end of input)
            announcer.close();
        }
    }

    /** Polls the router's next hops until they are {@code expected} (in any order); fails after {@link #LIMIT}. */
    private static void awaitHops(NetnsLab lab, Supplier<List<String>> hops, List<String> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            List<String> now = hops.get();
            if (now.size() == expected.size() && now.containsAll(expected)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("router's next hops for " + VIP + ": " + now + " (expected: " + expected
                        + ")\n" + lab.host("router").run("ip", "route"));
            }
            Thread.sleep(20);
        }
    }
}
