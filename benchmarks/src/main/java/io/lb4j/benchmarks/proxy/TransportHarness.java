package io.lb4j.benchmarks.proxy;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.benchmarks.ProcStat;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.engine.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The proxy engine on every transport it can use here, in one run: a backend and a load generator in this JVM, one
 * engine per transport in a JVM of its own (ioThreads 1), and the load sent in interleaved rounds to each engine and
 * straight to the backend (the ceiling), so a burst of other work on the machine hits all of them alike.
 *
 * <pre>
 * benchmarks/transports.sh      # env: SECONDS_PER_CELL=5 WARMUP_SECONDS=2 ROUNDS=3
 * </pre>
 *
 * <p>Workloads: {@code rr}, 50 keep-alive connections each sending a 1 KiB request and waiting for a 1 KiB answer;
 * {@code newconn}, 50 loops of connect, 1 KiB request, 1 KiB answer, close; {@code bulk}, 10 keep-alive connections
 * each asking for 1 MiB answers. Per cell: operations per second, p99 latency, and the engine process's CPU time per
 * operation (from {@code /proc}, the steadier figure on a shared machine). Each figure is the median of the rounds.
 * Loopback only; everything started is stopped at the end.
 */
public final class TransportHarness {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int REQUEST = 1024;

    private record Workload(String name, int connections, int answer, boolean newConnections) {
    }

    private record Cell(double opsPerSecond, double p99Micros, double cpuMicrosPerOp) {
    }

    private TransportHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("engine")) {
            runEngine(Transport.valueOf(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int seconds = Integer.parseInt(System.getenv().getOrDefault("SECONDS_PER_CELL", "5"));
        int warmup = Integer.parseInt(System.getenv().getOrDefault("WARMUP_SECONDS", "2"));
        int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", "3"));
        List<Workload> workloads = List.of(new Workload("rr 1 KiB, 50 conns", 50, REQUEST, false),
                new Workload("newconn 1 KiB, 50 loops", 50, REQUEST, true),
                new Workload("bulk 1 MiB, 10 conns", 10, 1 << 20, false));

        String loadBefore = loadAverage();
        EventLoopGroup loop = group(1);
        List<Process> engines = new ArrayList<>();
        try {
            Channel backend = backend(loop);
            int backendPort = ((InetSocketAddress) backend.localAddress()).getPort();
            Map<String, Integer> targets = new LinkedHashMap<>();
            Map<String, ProcessHandle> processes = new LinkedHashMap<>();
            targets.put("direct", backendPort);
            for (Transport t : Transport.available().reversed()) { // NIO first: the reference column
                int port = freePort();
                Process p = startEngine(t, port, backendPort);
                engines.add(p);
                targets.put(t.name().toLowerCase(Locale.ROOT), port);
                processes.put(t.name().toLowerCase(Locale.ROOT), p.toHandle());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> engines.forEach(Process::destroyForcibly)));

            System.out.printf("proxy engine transports, one engine JVM each (ioThreads 1), load and backend in one JVM"
                    + " (one Netty %s thread); %d s per cell after %d s warm-up, median of %d interleaved rounds%n",
                    Epoll.isAvailable() ? "epoll" : "nio", seconds, warmup, rounds);
            System.out.printf("machine: %d cores, %s; java %s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("java.version"));
            System.out.printf("load average before: %s (a shared machine: other work skews every column)%n%n",
                    loadBefore);

            Map<String, Map<String, List<Cell>>> results = new LinkedHashMap<>();
            for (Workload w : workloads) {
                Map<String, List<Cell>> byTarget = new LinkedHashMap<>();
                targets.keySet().forEach(k -> byTarget.put(k, new ArrayList<>()));
                for (int r = 1; r <= rounds; r++) {
                    for (Map.Entry<String, Integer> target : targets.entrySet()) {
                        System.err.printf("# %s: round %d/%d: %s%n", w.name(), r, rounds, target.getKey());
                        byTarget.get(target.getKey()).add(measure(loop, w, target.getValue(),
                                processes.get(target.getKey()), warmup, seconds));
                    }
                }
                results.put(w.name(), byTarget);
            }
            print(results, targets.keySet());
            System.out.printf("%nload average after: %s%n", loadAverage());
        } finally {
            engines.forEach(Process::destroy);
            for (Process p : engines) {
                p.waitFor(5, TimeUnit.SECONDS);
            }
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static void print(Map<String, Map<String, List<Cell>>> results, Iterable<String> targets) {
        List<String> names = new ArrayList<>();
        targets.forEach(names::add);
        StringBuilder head = new StringBuilder("| workload                 |");
        StringBuilder rule = new StringBuilder("|--------------------------|");
        for (String t : names) {
            head.append(String.format(" %8s op/s | p99 us |", t));
            rule.append("---------------|--------|");
        }
        List<String> engines = names.subList(1, names.size());
        for (String t : engines) {
            head.append(String.format(" %8s CPU us/op |", t));
            rule.append("-------------------|");
        }
        for (String t : engines.subList(1, engines.size())) {
            head.append(String.format(" %s/nio op/s | %s/nio CPU |", t, t));
            rule.append("-".repeat(t.length() + 12)).append("|").append("-".repeat(t.length() + 10)).append("|");
        }
        System.out.println(head);
        System.out.println(rule);
        for (Map.Entry<String, Map<String, List<Cell>>> row : results.entrySet()) {
            StringBuilder line = new StringBuilder(String.format("| %-24s |", row.getKey()));
            Map<String, Cell> median = new LinkedHashMap<>();
            row.getValue().forEach((t, cells) -> median.put(t, median(cells)));
            for (String t : names) {
                Cell c = median.get(t);
                line.append(String.format(" %13.0f | %6.0f |", c.opsPerSecond(), c.p99Micros()));
            }
            for (String t : engines) {
                line.append(String.format(" %17.1f |", median.get(t).cpuMicrosPerOp()));
            }
            Cell nio = median.get("nio");
            for (String t : engines.subList(1, engines.size())) {
                Cell c = median.get(t);
                line.append(String.format(" %" + (t.length() + 10) + ".2f | %" + (t.length() + 8) + ".2f |",
                        c.opsPerSecond() / nio.opsPerSecond(), c.cpuMicrosPerOp() / nio.cpuMicrosPerOp()));
            }
            System.out.println(line);
        }
    }

    private static Cell median(List<Cell> cells) {
        double[] ops = cells.stream().mapToDouble(Cell::opsPerSecond).sorted().toArray();
        double[] p99 = cells.stream().mapToDouble(Cell::p99Micros).sorted().toArray();
        double[] cpu = cells.stream().mapToDouble(Cell::cpuMicrosPerOp).sorted().toArray();
        return new Cell(ops[ops.length / 2], p99[p99.length / 2], cpu[cpu.length / 2]);
    }

    // ---- one cell ---------------------------------------------------------------------------------------------

    private static Cell measure(EventLoopGroup loop, Workload w, int port, ProcessHandle engine, int warmup,
                                int seconds) throws Exception {
        Run run = new Run(loop, w, new InetSocketAddress(LOOPBACK, port));
        loop.execute(run::start);
        Thread.sleep(warmup * 1000L); // a benchmark's warm-up period, not a wait for state
        long cpu0 = cpuNanos(engine);
        long t0 = System.nanoTime();
        loop.submit(() -> run.measuring = true).get();
        Thread.sleep(seconds * 1000L); // the measured window
        long[] latencies = loop.submit(run::stop).get();
        long elapsed = System.nanoTime() - t0;
        long cpu1 = cpuNanos(engine);
        run.closed.get(10, TimeUnit.SECONDS);
        int ops = latencies.length;
        Arrays.sort(latencies);
        double p99 = ops == 0 ? 0 : latencies[Math.min(ops - 1, (int) (ops * 0.99))] / 1000.0;
        double cpuPerOp = engine == null || ops == 0 ? 0 : (cpu1 - cpu0) / 1000.0 / ops;
        return new Cell(ops * 1e9 / elapsed, p99, cpuPerOp);
    }

    private static long cpuNanos(ProcessHandle p) {
        if (p == null) {
            return 0;
        }
        try {
            return ProcStat.cpuTicks(p.pid()) * (1_000_000_000L / ProcStat.TICKS_PER_SECOND);
        } catch (Exception e) {
            return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }
    }

    /** The load of one cell: everything runs on the load generator's single event loop, so no locks. */
    private static final class Run {
        final EventLoopGroup loop;
        final Workload w;
        final InetSocketAddress target;
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        final ByteBuf request;
        final List<Channel> open = new ArrayList<>();
        long[] latencies = new long[1 << 16];
        int count;
        boolean measuring;
        boolean stopping;

        Run(EventLoopGroup loop, Workload w, InetSocketAddress target) {
            this.loop = loop;
            this.w = w;
            this.target = target;
            request = Unpooled.directBuffer(REQUEST).writeInt(w.answer()).writeZero(REQUEST - 4);
        }

        void start() {
            for (int i = 0; i < w.connections(); i++) {
                connect();
            }
        }

        void connect() {
            Bootstrap b = new Bootstrap().group(loop).channel(socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Client(this));
            Channel ch = b.connect(target).addListener(f -> {
                if (!f.isSuccess() && !stopping) {
                    System.err.println("# connect to " + target + " failed: " + f.cause());
                }
            }).channel();
            open.add(ch);
            ch.closeFuture().addListener(f -> closedOne(ch));
        }

        void closedOne(Channel ch) {
            open.remove(ch);
            if (!stopping && w.newConnections()) {
                connect();
            } else if (stopping && open.isEmpty()) {
                request.release();
                closed.complete(null);
            }
        }

        void record(long nanos) {
            if (!measuring) {
                return;
            }
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }

        long[] stop() {
            stopping = true;
            measuring = false;
            if (open.isEmpty()) {
                request.release();
                closed.complete(null);
            }
            new ArrayList<>(open).forEach(Channel::close);
            return Arrays.copyOf(latencies, count);
        }
    }

    private static final class Client extends ChannelInboundHandlerAdapter {
        private final Run run;
        private long received;
        private long sentAt;

        Client(Run run) {
            this.run = run;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            received = 0;
            sentAt = System.nanoTime();
            ctx.writeAndFlush(run.request.retainedDuplicate(), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received >= run.w.answer()) {
                run.record(System.nanoTime() - sentAt);
                if (run.stopping) {
                    ctx.close();
                } else if (run.w.newConnections()) {
                    ctx.close(); // the next loop connects again (closedOne)
                } else {
                    send(ctx);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!run.stopping) {
                System.err.println("# client: " + cause);
            }
            ctx.close();
        }
    }

    // ---- the backend: answers each 1 KiB request with as many bytes as its first 4 bytes say ----------------------

    private static Channel backend(EventLoopGroup loop) throws InterruptedException {
        ByteBuf answer = Unpooled.unreleasableBuffer(Unpooled.directBuffer(1 << 20).writeZero(1 << 20));
        return new ServerBootstrap().group(loop).channel(serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Server(answer));
                    }
                })
                .bind(LOOPBACK, 0).sync().channel();
    }

    private static final class Server extends ChannelInboundHandlerAdapter {
        private final ByteBuf answer;
        private int have;
        private int size;

        Server(ByteBuf answer) {
            this.answer = answer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            while (buf.isReadable()) {
                if (have < 4) {
                    size = (size << 8) | buf.readUnsignedByte();
                    have++;
                } else {
                    int n = Math.min(buf.readableBytes(), REQUEST - have);
                    buf.skipBytes(n);
                    have += n;
                }
                if (have == REQUEST) {
                    ctx.write(answer.duplicate().slice(0, size), ctx.voidPromise());
                    have = 0;
                    size = 0;
                }
            }
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    // ---- engines ----------------------------------------------------------------------------------------------

    private static Process startEngine(Transport t, int port, int backendPort) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xms256m", "-Xmx256m",
                "-Dio.netty.leakDetection.level=disabled", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), TransportHarness.class.getName(),
                "engine", t.name(), Integer.toString(port), Integer.toString(backendPort)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!("ready " + t).equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("engine " + t + " did not start: " + line);
        }
        return p;
    }

    /** A child JVM: one engine on {@code transport}, relaying {@code vipPort} to the backend, until killed. */
    private static void runEngine(Transport transport, int vipPort, int backendPort) throws InterruptedException {
        VirtualService spec = VirtualService.proxy().label("BENCH").address(LOOPBACK).ports(vipPort)
                .healthCheck(HealthCheck.none())
                .real("backend", LOOPBACK.getHostAddress(), r -> r.port(backendPort)).build();
        ProxyEngine engine = ProxyEngine.builder().transport(transport).ioThreads(1).build();
        engine.start(TaskClock::system);
        engine.install(new RoutingTable(spec, 1, List.of(Backend.of(spec.realServer("backend").orElseThrow())), null,
                false, null));
        System.out.println("ready " + transport);
        System.out.flush();
        Thread.currentThread().join(); // until the harness kills this JVM
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static EventLoopGroup group(int threads) {
        IoHandlerFactory f = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, f);
    }

    private static Class<? extends ServerChannel> serverChannel() {
        return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    private static Class<? extends Channel> socketChannel() {
        return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        } catch (Exception e) {
            return "unknown";
        }
    }
}
