package io.lb4j.engine.packet;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.LbEvent;
import io.lb4j.engine.packet.lab.LabClient;
import io.lb4j.testkit.ConformanceEnvironment;
import io.lb4j.testkit.RealTimeEnvironment;
import io.lb4j.testkit.FailoverConformanceSuite;
import io.lb4j.testkit.HeldConnection;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.BeforeAll;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The failover scenarios on the packet engine, in real time over the namespace lab (root only; run under
 * {@code flock /tmp/lb4j-netns.lock}), with real sockets on the seed's own ports. The balancer is this JVM, because the
 * suite reads its events and status in-process and its health checks are sockets of its own threads: its host is
 * the test's network namespace, whose interface on the lab the engine's AF_PACKET socket is bound to. Everything else
 * is a namespace of the lab: clients, and primary and secondary servers in child JVMs.
 *
 * <pre>
 *   client 10.214.0.10/24 ──┐   the suite's connections to VIP 10.214.0.100 start here (a LabClient)
 *   balancer 10.214.0.2/24 ─┤   this JVM's namespace: no VIP, IPv4 forwarding off on its lab interface
 *   primary 10.214.0.110/24 ┤   VIP on lo, arp_ignore=1, arp_announce=2 (direct routing)
 *   secondary 10.214.0.120/32 ┘ host route to the balancer, default via it (MASQ replies pass it to be un-NATed)
 * </pre>
 *
 * <p>A failed primary is a black hole: its bridge port goes down, so connections and checks hang and time out; a
 * failed port is a stopped listener, refused. Checks run every 300 ms instead of 30 s, so timestamps are checked for
 * order and interval counts, not to the second. A held connection is open while a probe still comes back: the engine
 * expires a halted flow by dropping its next segment, as IPVS does, so the client learns of it only by the silence.
 * A fresh lab per scenario.
 */
class PacketEngineConformanceTest extends FailoverConformanceSuite {

    @BeforeAll
    static void requireRootAndThePacketEngine() {
        Optional<String> lab = NetnsLab.unavailable();
        assumeTrue(lab.isEmpty(), () -> "packet-engine conformance skipped: " + lab.orElseThrow());
        assumeTrue(PacketEngine.isAvailable(), () -> "packet-engine conformance skipped: "
                + PacketEngine.unavailabilityCause().orElseThrow());
    }

    @Override
    protected ConformanceEnvironment newEnvironment() {
        return new PacketEnvironment();
    }

    private static final class PacketEnvironment implements RealTimeEnvironment {
        private static final Duration ANSWER = Duration.ofSeconds(15);
        /** How long a held connection's probe may take to come back before the connection counts as closed. */
        private static final int PROBE_MILLIS = 2000;
        private static final String VIP = "10.214.0.100";
        private static final String BALANCER = "10.214.0.2";
        private static final String PRIMARY = "10.214.0.110";
        private static final String SECONDARY = "10.214.0.120";

        private final List<LbEvent> events = new ArrayList<>();
        private final NetnsLab lab;
        private final ChildProcess client;
        private final ChildProcess primaryServer;
        private PacketEngine engine;
        private LoadBalancer lb;

        PacketEnvironment() {
            lab = NetnsLab.builder("lb4jpc")
                    .host("client", "10.214.0.10/24")
                    .host("balancer", BALANCER + "/24", h -> h.callersNamespace()
                            // The kernel must not forward the VIP's frames too: the engine does.
                            .sysctl("net.ipv4.conf.eth0.forwarding", "0"))
                    .host("primary", PRIMARY + "/24", h -> h.vip(VIP))
                    .host("secondary", SECONDARY + "/32", h -> h.route(BALANCER + "/32").route("default", BALANCER))
                    .build();
            try {
                // Started together, awaited after: the three JVMs boot in parallel.
                ChildProcess c = lab.host("client").startJava(LabClient.class);
                ChildProcess p = server("primary");
                ChildProcess s = server("secondary");
                Stream.of(c, p, s).forEach(agent -> agent.next("READY"::equals, ANSWER));
                client = c;
                primaryServer = p;
            } catch (RuntimeException | Error e) {
                lab.close();
                throw e;
            }
        }

        /** A real server on the seven ports that greets with its address and the port, then echoes. */
        private ChildProcess server(String name) {
            Host host = lab.host(name);
            List<String> args = new ArrayList<>(List.of(host.address()));
            Arrays.stream(PACS_PORTS).mapToObj(Integer::toString).forEach(args::add);
            return host.startJava(List.of("-Xmx64m"), TestServerMain.class, args.toArray(String[]::new));
        }

        @Override
        public VirtualService.Builder serviceBuilder() {
            return VirtualService.directRouting().address(VIP);
        }

        @Override
        public String primary() {
            return PRIMARY;
        }

        @Override
        public String secondary() {
            return SECONDARY;
        }

        @Override
        public int port(int pacsPort) {
            return pacsPort; // the lab's servers run as root: the seed's own ports
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(300);
        }

        @Override
        public LoadBalancer start(VirtualService service) {
            engine = PacketEngine.builder(lab.host("balancer").interfaceName()).flowCapacity(256).build();
            lb = LoadBalancer.builder().engine(engine).service(service).build();
            lb.events().subscribe(e -> {
                synchronized (events) {
                    events.add(e);
                }
            });
            lb.start();
            // The contract: the first checks have run when start returns (the simulated kit runs them inline).
            if (!service.healthCheck().isNone()) {
                boolean checked = advanceUntil(() -> lb.status().service(service.label()).realServers().stream()
                        .noneMatch(r -> r.lastCheck().isEmpty()), Duration.ofSeconds(5));
                if (!checked) {
                    throw new IllegalStateException("first health checks did not complete within 5 s");
                }
            }
            return lb;
        }

        @Override
        public void failPrimary() {
            lab.host("primary").link(false);                       // off the network: nothing answers, not even ARP
        }

        @Override
        public void failPrimaryPort(int port) {
            expect(primaryServer.ask("stop " + port, ANSWER), "OK stopped " + port);
        }

        @Override
        public void recoverPrimary() {
            lab.host("primary").link(true);
            for (int port : PACS_PORTS) {
                expect(primaryServer.ask("listen " + port, ANSWER), "OK listening " + port);
            }
        }

        private void expect(String answer, String expected) {
            if (!answer.equals(expected)) {
                throw new AssertionError("primary server answered \"" + answer + "\", expected \"" + expected + "\"");
            }
        }

        @Override
        public InetSocketAddress connect(int port) {
            // From the client's namespace: a connection from this JVM to the VIP would bypass the engine.
            return reached(client.ask("connect " + VIP + " " + port + " 0", ANSWER), 1, port);
        }

        @Override
        public HeldConnection open(int port) {
            String answer = client.ask("open " + VIP + " " + port, ANSWER);
            InetSocketAddress target = reached(answer, 2, port);
            String id = answer.split(" ")[1];
            return new HeldConnection() {
                @Override
                public InetSocketAddress target() {
                    return target;
                }

                @Override
                public boolean isOpen() {
                    String alive = client.ask("alive " + id + " " + PROBE_MILLIS, ANSWER);
                    if (!alive.equals("OK open") && !alive.startsWith("OK closed")) {
                        throw new AssertionError("held connection " + id + ": " + alive);
                    }
                    return alive.equals("OK open");
                }

                @Override
                public void close() {
                    client.ask("close " + id, ANSWER);
                }
            };
        }

        /**
         * The server a connection reached, from the client's answer {@code OK ... ADDRESS PORT} (the server's greeting
         * from word {@code greetingAt} on).
         */
        private InetSocketAddress reached(String answer, int greetingAt, int port) {
            String[] w = answer.split(" ");
            if (!w[0].equals("OK") || w.length != greetingAt + 2) {
                throw new AssertionError("connection to VIP port " + port + ": " + answer + " (engine: "
                        + (engine == null ? "not started" : engine.stats()) + ")");
            }
            return new InetSocketAddress(w[greetingAt], Integer.parseInt(w[greetingAt + 1]));
        }

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public List<LbEvent> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }

        @Override
        public void close() {
            try {
                if (lb != null) {
                    lb.stop(Duration.ZERO);
                }
            } finally {
                lab.close(); // kills the child JVMs, deletes the namespaces and this namespace's lab interface
            }
        }
    }
}
