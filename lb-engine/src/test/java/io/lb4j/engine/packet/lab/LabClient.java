package io.lb4j.engine.packet.lab;

import io.lb4j.testsupport.net.Transfer;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The client host of the namespace lab, driven line by line on stdin so one JVM serves a whole test:
 * {@code connect ADDRESS PORT BYTES} opens a connection, reads the server's greeting, sends BYTES random bytes,
 * checks the echo byte for byte, and prints {@code OK <greeting>} or {@code FAIL <reason>}.
 * {@code http ADDRESS PORT BYTES} POSTs BYTES random bytes over HTTP/1.1 and prints {@code OK <X-Server>} when the
 * body comes back intact. {@code hold ADDRESS PORT} opens a connection and keeps it; {@code send-held BYTES} checks an
 * echo on it. Bulk transfers to a {@code digest:PORT} of {@code TestServerMain}, checked by SHA-256 at both ends
 * ({@link Transfer}), bounded by {@code SECONDS} and aborted when one moves less than 1 MiB in
 * {@value #STALL_SECONDS} s: {@code upload ADDRESS PORT BYTES SEED SECONDS} and
 * {@code download ADDRESS PORT BYTES SEED SECONDS} print {@code OK <greeting> <bytes> <sha-256> <millis>ms};
 * {@code transfers ADDRESS PORT COUNT MIN MAX SEED SECONDS} runs COUNT of them at once, uploads and downloads
 * alternately, sizes from MIN to MAX bytes drawn with SEED, and prints {@code OK <servers reached> <count> <bytes>
 * <millis>ms} when every one was byte-exact.
 *
 * <p>Several held connections, by number: {@code open ADDRESS PORT} prints {@code OK <n> <greeting>};
 * {@code alive N MILLIS} sends a probe and prints {@code OK open} when its echo comes back within MILLIS, otherwise
 * {@code OK closed <why>} (closed by the peer, reset, or silent: a balancer that forgot the flow drops its segments
 * without a word), and from then on the connection counts as closed; {@code close N} closes it.
 */
public final class LabClient {

    /** How long a bulk transfer may take to move {@link Transfer#MIN_PROGRESS} bytes before it is aborted. */
    static final int STALL_SECONDS = 20;
    private static final Duration STALL = Duration.ofSeconds(STALL_SECONDS);

    public static void main(String[] args) throws Exception {
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("READY");
        System.out.flush();
        Socket held = null;
        List<Socket> opened = new ArrayList<>();

        String line;
        while ((line = commands.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0]) {
                    case "connect" -> {
                        try (Socket s = open(w[1], Integer.parseInt(w[2]))) {
                            String greeting = greeting(s);
                            echo(s, Integer.parseInt(w[3]));
                            System.out.println("OK " + greeting);
                        }
                    }
                    case "http" -> {
                        byte[] data = new byte[Integer.parseInt(w[3])];
                        new Random(data.length).nextBytes(data);
                        HttpResponse<byte[]> response;
                        // A client per request, so every request is a new connection (a new flow), not a pooled one.
                        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                .connectTimeout(Duration.ofSeconds(3)).build()) {
                            response = http.send(HttpRequest.newBuilder(
                                            URI.create("http://" + (w[1].contains(":") ? "[" + w[1] + "]" : w[1]) + ":"
                                                    + w[2] + "/echo"))
                                    .timeout(Duration.ofSeconds(5))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                        }
                        if (response.statusCode() != 200 || !Arrays.equals(response.body(), data)) {
                            throw new IllegalStateException("HTTP " + response.statusCode() + ", body intact: "
                                    + Arrays.equals(response.body(), data));
                        }
                        System.out.println("OK " + response.headers().firstValue("X-Server").orElse("?"));
                    }
                    case "hold" -> {
                        held = open(w[1], Integer.parseInt(w[2]));
                        System.out.println("OK " + greeting(held));
                    }
                    case "send-held" -> {
                        echo(held, Integer.parseInt(w[1]));
                        System.out.println("OK held");
                    }
                    case "open" -> {
                        Socket s = open(w[1], Integer.parseInt(w[2]));
                        opened.add(s);
                        System.out.println("OK " + (opened.size() - 1) + " " + greeting(s));
                    }
                    case "alive" -> System.out.println("OK " + alive(opened.get(Integer.parseInt(w[1])),
                            Integer.parseInt(w[2])));
                    case "close" -> {
                        opened.get(Integer.parseInt(w[1])).close();
                        System.out.println("OK closed");
                    }
                    case "upload", "download" -> {
                        InetSocketAddress to = new InetSocketAddress(w[1], Integer.parseInt(w[2]));
                        Duration limit = Duration.ofSeconds(Long.parseLong(w[5]));
                        long bytes = Long.parseLong(w[3]);
                        long seed = Long.parseLong(w[4]);
                        System.out.println("OK " + (w[0].equals("upload")
                                ? Transfer.upload(to, bytes, seed, STALL, limit)
                                : Transfer.download(to, bytes, seed, STALL, limit)));
                    }
                    case "transfers" -> System.out.println(transfers(
                            new InetSocketAddress(w[1], Integer.parseInt(w[2])), Integer.parseInt(w[3]),
                            Long.parseLong(w[4]), Long.parseLong(w[5]), Long.parseLong(w[6]),
                            Duration.ofSeconds(Long.parseLong(w[7]))));
                    default -> System.out.println("FAIL unknown command " + w[0]);
                }
            } catch (Exception e) {
                System.out.println("FAIL " + e);
            }
            System.out.flush();
        }
    }

    /** COUNT transfers at once, uploads and downloads alternately: "OK ..." when all were byte-exact, or "FAIL ...". */
    private static String transfers(InetSocketAddress to, int count, long min, long max, long seed, Duration limit)
            throws InterruptedException {
        Random random = new Random(seed);
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = min + (long) (random.nextDouble() * (max - min + 1));
        }
        long start = System.nanoTime();
        List<Future<Transfer.Result>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long bytes = sizes[i];
                long transferSeed = seed * 1000 + i;
                boolean upload = i % 2 == 0;
                results.add(pool.submit(() -> upload ? Transfer.upload(to, bytes, transferSeed, STALL, limit)
                        : Transfer.download(to, bytes, transferSeed, STALL, limit)));
            }
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
        return failures.isEmpty()
                ? "OK " + String.join(",", servers) + " " + count + " " + total + " "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + "ms"
                : "FAIL " + failures.size() + " of " + count + " transfers: " + String.join("; ", failures);
    }

    private static Socket open(String address, int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(address, port), 3000);
        s.setSoTimeout(3000);
        return s;
    }

    private static final byte[] PROBE = "probe\n".getBytes(StandardCharsets.US_ASCII);

    /** "open", or "closed" and why; a connection whose probe went unanswered is closed here for good. */
    private static String alive(Socket s, int millis) throws Exception {
        if (s.isClosed()) {
            return "closed earlier";
        }
        try {
            s.setSoTimeout(millis);
            s.getOutputStream().write(PROBE);
            byte[] back = new byte[PROBE.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            if (Arrays.equals(back, PROBE)) {
                return "open";
            }
            s.close();
            return "closed: the probe came back as " + new String(back, StandardCharsets.US_ASCII).strip();
        } catch (SocketTimeoutException e) {
            s.close();   // its late echo must not answer a later probe
            return "closed: no echo within " + millis + " ms";
        } catch (Exception e) {
            s.close();
            return "closed: " + e;
        }
    }

    private static String greeting(Socket s) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) != '\n') {
            if (c < 0) {
                throw new IllegalStateException("closed before greeting");
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static void echo(Socket s, int bytes) throws Exception {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                s.getOutputStream().write(data);
                s.getOutputStream().flush();
            } catch (Exception ignored) {
                // the reader reports the failure
            }
        });
        byte[] back = new byte[bytes];
        new DataInputStream(s.getInputStream()).readFully(back);
        writer.join();
        if (!Arrays.equals(data, back)) {
            throw new IllegalStateException("echo differs");
        }
    }
}
