package io.lb4j.benchmarks.ha;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The client of {@code benchmarks/ha-outage-vs-keepalived.sh}, run in the client namespace: starts a TCP connect to
 * {@code VIP:port} every 10 ms and reports the client-visible outage, the longest gap between the start instants of
 * two consecutive successful connects, around a failover.
 *
 * <p>Attempts start on a fixed schedule and run concurrently (non-blocking, one selector), each with its own
 * timeout (100 ms by default), so a connect that hangs during the outage does not delay the next one and the gap is
 * resolved to one interval. The timeout must stay well below Linux's initial SYN retransmission timeout (1 s):
 * otherwise an attempt whose first SYN went to the dead master could succeed with its retransmitted SYN at the new
 * master and be counted as a success that started during the outage. On a LAN (here a bridge) a handshake takes
 * well under a millisecond, so 100 ms is also far above any honest answer time, even on a loaded box; an attempt is
 * only failed at its deadline after one more look at whether it did connect, so a late selector wake-up does not
 * turn a success into a failure.
 *
 * <p>Protocol on stdin/stdout (one line each):
 * <ul>
 *   <li>prints {@code UP} once {@code --up} consecutive attempts succeeded (the master answers);</li>
 *   <li>{@code mark} (just before the master is stopped): prints {@code MARKED <epoch microseconds>}; the outage
 *       is the longest gap that ends after the mark;</li>
 *   <li>{@code settle} (the new master holds the VIP): prints {@code RESULT key=value ...} and exits once
 *       {@code --settle} consecutive attempts started after this command succeeded, or after
 *       {@code --settle-timeout-ms} with {@code settled=false};</li>
 *   <li>end of stdin (the harness died): exits at once.</li>
 * </ul>
 *
 * <p>Arguments: {@code vip port [--interval-ms 10] [--timeout-ms 100] [--up 20] [--settle 30]
 * [--settle-timeout-ms 15000]}.
 */
public final class OutageProbe {

    private static final byte PENDING = 0;
    private static final byte OK = 1;
    private static final byte TIMED_OUT = 2;
    private static final byte REFUSED = 3;
    private static final byte OTHER_FAILURE = 4;

    private final InetSocketAddress target;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final int upCount;
    private final int settleCount;
    private final long settleTimeoutNanos;

    /** Per attempt, in start order: its start instant and its outcome. */
    private long[] starts = new long[4096];
    private byte[] outcomes = new byte[4096];
    private int attempts;
    /** Attempts before this index are resolved; {@link #okRunFrom} follows the last failure among them. */
    private int scanned;
    private int okRunFrom;
    private long maxLateNanos;

    private volatile long markNanos = Long.MAX_VALUE;
    private volatile long settleNanos = Long.MAX_VALUE;

    private OutageProbe(String[] args) {
        target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        intervalNanos = TimeUnit.MILLISECONDS.toNanos(option(args, "--interval-ms", 10));
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(option(args, "--timeout-ms", 100));
        upCount = (int) option(args, "--up", 20);
        settleCount = (int) option(args, "--settle", 30);
        settleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(option(args, "--settle-timeout-ms", 15_000));
    }

    private static long option(String[] args, String name, long fallback) {
        for (int i = 2; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Long.parseLong(args[i + 1]);
            }
        }
        return fallback;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: OutageProbe vip port [--interval-ms 10] [--timeout-ms 100] [--up 20]"
                    + " [--settle 30] [--settle-timeout-ms 15000]");
            System.exit(2);
        }
        new OutageProbe(args).run();
    }

    private record Attempt(int seq, SocketChannel channel, long deadline) {
    }

    private void run() throws IOException {
        startCommandReader();
        try (Selector selector = Selector.open()) {
            ArrayDeque<Attempt> pending = new ArrayDeque<>();
            boolean up = false;
            long next = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                if (now >= next) {
                    // Behind by more than one interval (the probe itself was descheduled): skip the missed slots
                    // instead of bursting, and report how late we were, which bounds the measurement's resolution.
                    maxLateNanos = Math.max(maxLateNanos, now - next);
                    next = now - next > intervalNanos ? now + intervalNanos : next + intervalNanos;
                    startAttempt(selector, pending, now);
                }
                long wait = next - System.nanoTime();
                if (!pending.isEmpty()) {
                    wait = Math.min(wait, pending.peekFirst().deadline() - System.nanoTime());
                }
                if (wait > 0) {
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                } else {
                    selector.selectNow();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Attempt a = (Attempt) key.attachment();
                    finish(a, false);
                }
                selector.selectedKeys().clear();
                now = System.nanoTime();
                while (!pending.isEmpty()
                        && (outcomes[pending.peekFirst().seq()] != PENDING || pending.peekFirst().deadline() <= now)) {
                    Attempt a = pending.pollFirst();
                    if (outcomes[a.seq()] == PENDING) {
                        finish(a, true);
                    }
                }
                advanceScan();
                if (!up && scanned - okRunFrom >= upCount) {
                    up = true;
                    say("UP");
                }
                long settle = settleNanos;
                if (settle != Long.MAX_VALUE) {
                    int first = firstStartedAtOrAfter(settle);
                    boolean settled = consecutiveOk(first) >= settleCount;
                    if (settled || now - settle > settleTimeoutNanos) {
                        report(settled);
                        System.exit(0);
                    }
                }
            }
        }
    }

    private void startAttempt(Selector selector, ArrayDeque<Attempt> pending, long now) throws IOException {
        int seq = attempts++;
        if (seq == starts.length) {
            starts = Arrays.copyOf(starts, seq * 2);
            outcomes = Arrays.copyOf(outcomes, seq * 2);
        }
        starts[seq] = now;
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        // Abortive close (RST): no TIME_WAIT pile-up from 100 connects/s in the client namespace.
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        Attempt a = new Attempt(seq, ch, now + timeoutNanos);
        try {
            if (ch.connect(target)) {
                finish(a, false);
                return;
            }
            ch.register(selector, SelectionKey.OP_CONNECT, a);
            pending.addLast(a);
        } catch (IOException e) {
            fail(a, e);
        }
    }

    /** Completes an attempt; at its deadline ({@code expired}) an unfinished connect is a failure (timeout). */
    private void finish(Attempt a, boolean expired) {
        if (outcomes[a.seq()] != PENDING) {
            return;
        }
        try {
            if (a.channel().finishConnect()) {
                outcomes[a.seq()] = OK;
                close(a.channel());
            } else if (expired) {
                outcomes[a.seq()] = TIMED_OUT;
                close(a.channel());
            }
        } catch (IOException e) {
            fail(a, e);
        }
    }

    private void fail(Attempt a, IOException e) {
        // Refused: the old master's kernel answered with a RST (it still holds the VIP but its service is gone).
        // Others: e.g. EHOSTUNREACH when ARP for the VIP got no answer.
        outcomes[a.seq()] = e instanceof ConnectException ? REFUSED : OTHER_FAILURE;
        close(a.channel());
    }

    private static void close(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do: the attempt's outcome is recorded
        }
    }

    private void advanceScan() {
        while (scanned < attempts && outcomes[scanned] != PENDING) {
            if (outcomes[scanned] != OK) {
                okRunFrom = scanned + 1;
            }
            scanned++;
        }
    }

    /** The number of consecutive successful attempts starting at index {@code from}. */
    private int consecutiveOk(int from) {
        int n = 0;
        for (int i = from; i < attempts && outcomes[i] == OK; i++) {
            n++;
        }
        return n;
    }

    private int firstStartedAtOrAfter(long nanos) {
        int i = attempts;
        while (i > 0 && starts[i - 1] >= nanos) {
            i--;
        }
        return i;
    }

    private void report(boolean settled) {
        long mark = markNanos;
        long gap = -1;
        long before = 0;
        long after = 0;
        int[] failedAfterMark = new int[OTHER_FAILURE + 1];
        int afterMark = 0;
        long lastFailed = -1;
        long firstFailed = -1;
        int previousOk = -1;
        for (int i = 0; i < attempts; i++) {
            if (starts[i] >= mark) {
                failedAfterMark[outcomes[i]]++;
                afterMark++;
                if (outcomes[i] != OK && outcomes[i] != PENDING) {
                    lastFailed = starts[i] - mark;
                    firstFailed = firstFailed < 0 ? lastFailed : firstFailed;
                }
            }
            if (outcomes[i] != OK) {
                continue;
            }
            if (previousOk >= 0 && starts[i] >= mark && starts[i] - starts[previousOk] > gap) {
                gap = starts[i] - starts[previousOk];
                before = starts[previousOk] - mark;
                after = starts[i] - mark;
            }
            previousOk = i;
        }
        say(String.format(Locale.ROOT,
                "RESULT gap_ms=%.1f last_ok_before_mark_ms=%.1f first_ok_after_ms=%.1f attempts=%d"
                        + " after_mark_timeout=%d after_mark_refused=%d after_mark_other=%d max_late_ms=%.1f"
                        + " settled=%b attempts_after_mark=%d first_failed_after_mark_ms=%.1f"
                        + " last_failed_after_mark_ms=%.1f",
                gap / 1e6, before / 1e6, after / 1e6, attempts, failedAfterMark[TIMED_OUT],
                failedAfterMark[REFUSED], failedAfterMark[OTHER_FAILURE], maxLateNanos / 1e6, settled, afterMark,
                firstFailed / 1e6, lastFailed / 1e6));
    }

    private void startCommandReader() {
        Thread.ofPlatform().daemon().name("probe-commands").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    switch (line.trim()) {
                        case "mark" -> {
                            markNanos = System.nanoTime();
                            // Wall-clock time too, to line the mark up with a packet capture's timestamps.
                            Instant at = Instant.now();
                            say("MARKED " + (at.getEpochSecond() * 1_000_000 + at.getNano() / 1000));
                        }
                        case "settle" -> settleNanos = System.nanoTime();
                        default -> System.err.println("unknown command: " + line);
                    }
                }
            } catch (IOException e) {
                // stdin gone: same as EOF
            }
            // The harness is gone (or closed our stdin): nobody will read a result.
            System.exit(1);
        });
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
