package io.lb4j.appliance;

import io.lb4j.testsupport.net.Transfer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client host of {@link ActiveActiveClusterTest}, a program in the client's namespace:
 * {@code ClusterClient VIP PORT COUNT BYTES SEED SECONDS UNDERWAY} runs COUNT downloads of BYTES at once from a
 * {@code digest:PORT} of {@code TestServerMain} (each checked by SHA-256, {@link Transfer}), prints {@code UNDERWAY}
 * once every one has received UNDERWAY bytes (or ended; {@code PROGRESS} in MiB every 5 s until then, {@code FAILED #n}
 * at once for one that fails), {@code LONGEST_STALL <ms> ms} (after UNDERWAY, the longest time a running transfer moved
 * nothing), and at the end {@code OK <servers reached> <count> <bytes> <millis>ms}
 * when every one was byte-exact, or {@code FAIL ...} naming each that was not.
 */
public final class ClusterClient {

    /**
     * A transfer that moves less than 1 MiB in this long is aborted. Generous: a connection whose window update was
     * lost while ECMP moved it (a node died) waits for the server's next zero-window probe, which TCP backs off
     * exponentially while a slow reader keeps its window shut; it resumes then, byte-exact.
     */
    private static final Duration STALL = Duration.ofSeconds(90);

    /** The longest time, after UNDERWAY, that a running transfer moved no byte. */
    private static long longestStall;

    private ClusterClient() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress to = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        long bytes = Long.parseLong(args[3]);
        long seed = Long.parseLong(args[4]);
        Duration limit = Duration.ofSeconds(Long.parseLong(args[5]));
        long underway = Long.parseLong(args[6]);
        long start = System.nanoTime();
        List<AtomicLong> moved = new ArrayList<>();
        List<Future<Transfer.Result>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                AtomicLong m = new AtomicLong();
                moved.add(m);
                long s = seed * 1000 + i;
                int n = i;
                results.add(pool.submit(() -> {
                    try {
                        return Transfer.download(to, bytes, s, STALL, limit, m);
                    } catch (Exception e) {
                        System.out.println("FAILED #" + n + " " + e.getMessage()); // at once, for the test's log
                        System.out.flush();
                        throw e;
                    }
                }));
            }
            // UNDERWAY once each transfer has moved UNDERWAY bytes or ended; PROGRESS every 5 s until then. From
            // then on, every 5 ms, the longest time a transfer moved nothing: what a client sees of a node's death.
            long lastProgress = System.nanoTime();
            long[] lastBytes = new long[count];
            long[] lastMove = new long[count];
            java.util.Arrays.fill(lastMove, System.nanoTime());
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
                Thread.sleep(5);
            }
            System.out.println("LONGEST_STALL " + longestStall / 1_000_000 + " ms");
        }
        Set<String> servers = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            try {
                Transfer.Result r = results.get(i).get();
                servers.add(r.greeting().split(" ")[0]);
                total += r.bytes();
            } catch (ExecutionException e) {
                failures.add("#" + i + " " + e.getCause().getMessage());
            }
        }
        System.out.println(failures.isEmpty()
                ? "OK " + String.join(",", servers) + " " + count + " " + total + " "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + "ms"
                : "FAIL " + failures.size() + " of " + count + " transfers: " + String.join("; ", failures));
        System.out.flush();
    }
}
