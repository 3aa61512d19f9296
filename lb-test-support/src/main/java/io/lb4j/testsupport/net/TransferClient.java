package io.lb4j.testsupport.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many concurrent bulk transfers as a program of its own, the client host of a namespace lab or a benchmark:
 * {@code TransferClient VIP PORT COUNT BYTES SEED SECONDS UNDERWAY [FIRST+N [upload]]} runs COUNT downloads (or
 * uploads) of BYTES at once against a {@code digest:PORT} of {@link TestServerMain}, each checked by SHA-256
 * ({@link Transfer}). BYTES written {@code BYTES/RATE} paces each download at RATE bytes per second (the server
 * sends no faster), so the transfers last as long on a fast machine as on a slow one.
 *
 * <p>It prints {@code UNDERWAY} once every transfer has moved UNDERWAY bytes or ended ({@code PROGRESS} in MiB every
 * 5 s until then, {@code FAILED #n} at once for one that fails); after UNDERWAY it tracks the longest time a running
 * transfer moved nothing, what a client sees of a balancer's death. At the end: {@code LONGEST_STALL <ms> ms}, then
 * {@code TRANSFER #i <source> <server> OK} or {@code TRANSFER #i <source> - FAIL <why>} for each, and
 * {@code OK <servers reached> <count> <bytes> <millis>ms} when every one was byte-exact, or {@code FAIL ...} naming
 * each that was not. With {@code FIRST+N} (an IPv4 address and a count, all the host's own) transfer {@code i} leaves
 * from address {@code FIRST + i mod N}: one program stands for N clients.
 */
public final class TransferClient {

    /**
     * A transfer that moves less than 1 MiB in this long is aborted. Generous: a connection whose window update was
     * lost while ECMP moved it (a node died) waits for the server's next zero-window probe, which TCP backs off
     * exponentially while a slow reader keeps its window shut; it resumes then, byte-exact.
     */
    private static final Duration STALL = Duration.ofSeconds(90);

    private TransferClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: TransferClient VIP PORT COUNT BYTES[/RATE] SEED SECONDS UNDERWAY [FIRST+N [upload]]");
            System.exit(2);
        }
        InetSocketAddress to = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        String[] size = args[3].split("/", 2);
        long bytes = Long.parseLong(size[0]);
        long rate = size.length == 2 ? Long.parseLong(size[1]) : 0;
        long seed = Long.parseLong(args[4]);
        Duration limit = Duration.ofSeconds(Long.parseLong(args[5]));
        long underway = Long.parseLong(args[6]);
        List<InetAddress> sources = args.length > 7 ? sources(args[7]) : List.of();
        boolean upload = args.length > 8 && args[8].equals("upload");
        long start = System.nanoTime();
        long longestStall = 0;
        List<AtomicLong> moved = new ArrayList<>();
        List<Future<Transfer.Result>> results = new ArrayList<>();
        // Platform threads: a transfer reads and digests without ever blocking while data waits, so virtual threads on
        // a few carriers would run some transfers to the end while others have not begun.
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            for (int i = 0; i < count; i++) {
                AtomicLong m = new AtomicLong();
                moved.add(m);
                long s = seed * 1000 + i;
                int n = i;
                InetAddress source = sources.isEmpty() ? null : sources.get(i % sources.size());
                results.add(pool.submit(() -> {
                    try {
                        return upload ? Transfer.upload(source, to, bytes, s, STALL, limit, m)
                                : Transfer.download(source, to, bytes, s, rate, STALL, limit, m);
                    } catch (Exception e) {
                        System.out.println("FAILED #" + n + " " + e.getMessage()); // at once, for the test's log
                        System.out.flush();
                        throw e;
                    }
                }));
            }
            long lastProgress = System.nanoTime();
            long[] lastBytes = new long[count];
            long[] lastMove = new long[count];
            Arrays.fill(lastMove, System.nanoTime());
            boolean said = false;
            while (!results.stream().allMatch(Future::isDone)) {
                long now = System.nanoTime();
                boolean ready = true;
                for (int i = 0; i < count; i++) {
                    long b = moved.get(i).get();
                    ready &= b >= underway || results.get(i).isDone();
                    if (b != lastBytes[i] || results.get(i).isDone()) {
                        lastBytes[i] = b;
                        lastMove[i] = now;
                    } else if (said) {
                        longestStall = Math.max(longestStall, now - lastMove[i]);
                    }
                }
                if (ready && !said) {
                    System.out.println("UNDERWAY");
                    System.out.flush();
                    said = true;
                }
                if (!said && now - lastProgress > 5_000_000_000L) {
                    System.out.println("PROGRESS " + moved.stream().map(m -> Long.toString(m.get() >> 20))
                            .toList() + " MiB");
                    System.out.flush();
                    lastProgress = System.nanoTime();
                }
                Thread.sleep(5); // sampling the transfers' progress, not waiting for a state
            }
            System.out.println("LONGEST_STALL " + longestStall / 1_000_000 + " ms");
        }
        Set<String> servers = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            String from = sources.isEmpty() ? "-" : sources.get(i % sources.size()).getHostAddress();
            try {
                Transfer.Result r = results.get(i).get();
                String server = r.greeting().split(" ")[0];
                servers.add(server);
                total += r.bytes();
                System.out.println("TRANSFER #" + i + " " + from + " " + server + " OK");
            } catch (ExecutionException e) {
                failures.add("#" + i + " " + e.getCause().getMessage());
                System.out.println("TRANSFER #" + i + " " + from + " - FAIL " + e.getCause().getMessage());
            }
        }
        System.out.println(failures.isEmpty()
                ? "OK " + String.join(",", servers) + " " + count + " " + total + " "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + "ms"
                : "FAIL " + failures.size() + " of " + count + " transfers: " + String.join("; ", failures));
        System.out.flush();
    }

    /** {@code FIRST+N}: N consecutive IPv4 addresses from FIRST. */
    private static List<InetAddress> sources(String spec) throws UnknownHostException {
        String[] parts = spec.split("\\+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("sources: \"" + spec + "\" (expected: FIRST+N, e.g. 10.0.1.10+40)");
        }
        int base = ByteBuffer.wrap(InetAddress.getByName(parts[0]).getAddress()).getInt();
        List<InetAddress> all = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(parts[1]); i++) {
            all.add(InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(base + i).array()));
        }
        return all;
    }
}
