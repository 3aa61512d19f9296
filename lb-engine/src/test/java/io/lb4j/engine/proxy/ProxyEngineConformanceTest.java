package io.lb4j.engine.proxy;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.LbEvent;
import io.lb4j.testkit.ConformanceEnvironment;
import io.lb4j.testkit.RealTimeEnvironment;
import io.lb4j.testkit.FailoverConformanceSuite;
import io.lb4j.testkit.HeldConnection;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The failover scenarios on the proxy engine, in real time on loopback: real listeners for the primary (127.0.0.2)
 * and secondary (127.0.0.3) clusters on the seven PACS ports shifted by 20000, real health checks every 300 ms.
 * A failed primary refuses connections (loopback cannot black-hole them without root), so timestamps are checked
 * for order and interval counts, not to the second.
 */
class ProxyEngineConformanceTest extends FailoverConformanceSuite {

    @Override
    protected ConformanceEnvironment newEnvironment() {
        return new ProxyEnvironment();
    }

    private static final class ProxyEnvironment implements RealTimeEnvironment {
        private static final int OFFSET = 20000;
        private final List<Integer> ports = Arrays.stream(PACS_PORTS).map(p -> p + OFFSET).boxed().toList();
        private final TestServer primary = cluster("127.0.0.2");
        private final TestServer secondary = cluster("127.0.0.3");
        private final List<LbEvent> events = new ArrayList<>();
        private final List<Socket> clients = new ArrayList<>();
        private LoadBalancer lb;

        /** Real listeners on every port that say where the client got to and hold the connection. */
        private TestServer cluster(String address) {
            return TestServer.start(InetAddress.ofLiteral(address), ports,
                    Handler.greetWithLocalAddress().then(Handler.hold()));
        }

        @Override
        public VirtualService.Builder serviceBuilder() {
            return VirtualService.proxy().address("127.0.0.1");
        }

        @Override
        public String primary() {
            return "127.0.0.2";
        }

        @Override
        public String secondary() {
            return "127.0.0.3";
        }

        @Override
        public int port(int pacsPort) {
            return pacsPort + OFFSET;
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(300);
        }

        @Override
        public LoadBalancer start(VirtualService service) {
            lb = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build()).service(service).build();
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
            primary.stopAll();
        }

        @Override
        public void failPrimaryPort(int port) {
            primary.stop(port);
        }

        @Override
        public void recoverPrimary() {
            ports.forEach(primary::listen);
        }

        @Override
        public InetSocketAddress connect(int port) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                return greeting(s, port);
            } catch (IOException e) {
                throw new UncheckedIOException("connect to VIP port " + port, e);
            }
        }

        @Override
        public HeldConnection open(int port) {
            try {
                Socket s = new Socket();
                clients.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                InetSocketAddress target = greeting(s, port);
                return new HeldConnection() {
                    @Override
                    public InetSocketAddress target() {
                        return target;
                    }

                    @Override
                    public boolean isOpen() {
                        try {
                            s.setSoTimeout(1);
                            return s.getInputStream().read() >= 0;
                        } catch (SocketTimeoutException e) {
                            return true; // nothing to read, and not closed
                        } catch (IOException e) {
                            return false;
                        }
                    }

                    @Override
                    public void close() {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // already closed
                        }
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException("open VIP port " + port, e);
            }
        }

        private static InetSocketAddress greeting(Socket s, int port) throws IOException {
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII),
                    1).readLine();
            if (line == null) {
                throw new IOException("VIP port " + port + ": closed without reaching a server");
            }
            int colon = line.lastIndexOf(':');
            return new InetSocketAddress(line.substring(0, colon), Integer.parseInt(line.substring(colon + 1)));
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
            clients.forEach(c -> {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // teardown
                }
            });
            try {
                if (lb != null) {
                    lb.stop(Duration.ofSeconds(1));
                }
            } finally {
                primary.close();
                secondary.close();
            }
        }
    }
}
