package io.lb4j.testsupport.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * What a {@link TestServer} does with one accepted connection, on a virtual thread of its own. The channel is in
 * blocking mode ({@code connection.socket()} gives the stream API); the server closes it when the handler returns or
 * throws, so a handler that should keep the connection open blocks, for example in {@link #hold()}.
 *
 * <p>The behaviours the tests share are the factories below; they combine with {@link #then(Handler)}, e.g.
 * {@code Handler.greet(local -> "primary " + local.getPort()).then(Handler.echo())}.
 */
@FunctionalInterface
public interface Handler {

    /**
     * Serves {@code connection}.
     *
     * @throws IOException when the peer goes away; the server ignores it (the test asserts on what the client saw)
     */
    void serve(SocketChannel connection) throws IOException;

    /** This, then {@code next} on the same connection. */
    default Handler then(Handler next) {
        return connection -> {
            serve(connection);
            next.serve(connection);
        };
    }

    /**
     * Keeps the connection open and answers nothing until the client closes it: a hung server that still accepts
     * TCP, or a real server holding an idle connection. What the client sends is read and dropped.
     */
    static Handler hold() {
        return connection -> {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (connection.read(buf.clear()) >= 0) {
                // drop it: only the client's close ends this
            }
        };
    }

    /** Echoes every byte until the client half-closes, then half-closes too (the server closes after). */
    static Handler echo() {
        return connection -> {
            ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
            while (connection.read(buf.clear()) >= 0) {
                TestServer.writeFully(connection, buf.flip());
            }
            connection.shutdownOutput();
        };
    }

    /** Closes the connection at once: a listener that accepts and nothing more. */
    static Handler close() {
        return connection -> { };
    }

    /** Writes {@code text} (UTF-8) as it is: a canned answer, e.g. a protocol the client does not expect. */
    static Handler send(String text) {
        return connection -> TestServer.writeFully(connection, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code line} and a newline: which server the client reached. */
    static Handler greet(String line) {
        return send(line + "\n");
    }

    /**
     * Writes the line {@code greeting} makes of the connection's local address and a newline, e.g.
     * {@code local -> "primary " + local.getPort()}.
     */
    static Handler greet(Function<InetSocketAddress, String> greeting) {
        return connection -> send(greeting.apply((InetSocketAddress) connection.getLocalAddress()) + "\n")
                .serve(connection);
    }

    /**
     * Writes the address and port the client reached, e.g. {@code "127.0.0.2:20104"}, and a newline: where a balancer
     * sent a client, on a server of many ports.
     */
    static Handler greetWithLocalAddress() {
        return greet(local -> local.getAddress().getHostAddress() + ":" + local.getPort());
    }

    /**
     * Bulk transfers checked end to end by SHA-256, as big as medical images and never held in memory; the server
     * side of {@link Transfer}. Reads one command line, then:
     * <ul>
     * <li>{@code upload}: reads every byte until the client half-closes, then answers {@code "<bytes> <sha-256>\n"}
     *     of what it read (lowercase hex);</li>
     * <li>{@code download BYTES SEED [RATE]}: writes {@code BYTES} bytes of {@link Transfer#generator(long)} seeded
     *     {@code SEED}, no faster than {@code RATE} bytes per second when given (a transfer that lasts as long on
     *     any machine), then {@code "<sha-256>\n"} of what it wrote.</li>
     * </ul>
     * Any other line is answered {@code "FAIL unknown command <line>\n"}.
     */
    static Handler digest() {
        return connection -> {
            String command = Transfer.readLine(Channels.newInputStream(connection));
            String[] w = command.split(" ");
            MessageDigest sha = Transfer.sha256();
            ByteBuffer buf = ByteBuffer.allocate(Transfer.CHUNK);
            if (w.length == 1 && w[0].equals("upload")) {
                long bytes = 0;
                int n;
                while ((n = connection.read(buf.clear())) >= 0) {
                    sha.update(buf.array(), 0, n);
                    bytes += n;
                }
                send(bytes + " " + HexFormat.of().formatHex(sha.digest()) + "\n").serve(connection);
            } else if ((w.length == 3 || w.length == 4) && w[0].equals("download")) {
                long bytes = Long.parseLong(w[1]);
                SplittableRandom generator = Transfer.generator(Long.parseLong(w[2]));
                long rate = w.length == 4 ? Long.parseLong(w[3]) : 0; // bytes per second, 0: as fast as it goes
                long start = System.nanoTime();
                for (long left = bytes; left > 0; ) {
                    int n = (int) Math.min(buf.capacity(), left);
                    generator.nextBytes(buf.array());
                    sha.update(buf.array(), 0, n);
                    TestServer.writeFully(connection, buf.clear().limit(n));
                    left -= n;
                    if (rate > 0) {
                        // Pacing, not waiting for a state: the next chunk leaves when the rate allows it.
                        long due = start + (long) ((bytes - left) * 1e9 / rate);
                        long early = due - System.nanoTime();
                        if (early > 0) {
                            try {
                                Thread.sleep(Duration.ofNanos(early));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new InterruptedIOException("server stopped");
                            }
                        }
                    }
                }
                send(HexFormat.of().formatHex(sha.digest()) + "\n").serve(connection);
            } else {
                send("FAIL unknown command " + command + "\n").serve(connection);
            }
        };
    }

    /**
     * Writes {@code name}, the local port and the address and port the connection came from, e.g.
     * {@code "primary 104 10.213.0.10:40312"}, and a newline: the client's address as the real server sees it.
     */
    static Handler greetWithPeer(String name) {
        return connection -> {
            InetSocketAddress local = (InetSocketAddress) connection.getLocalAddress();
            InetSocketAddress peer = (InetSocketAddress) connection.getRemoteAddress();
            send(name + " " + local.getPort() + " " + peer.getAddress().getHostAddress() + ":" + peer.getPort()
                    + "\n").serve(connection);
        };
    }

    /** Answers every line with {@code tag:line}, so a client sees which backend it reached and that it is live. */
    static Handler tagLines(String tag) {
        return connection -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(connection),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                TestServer.writeFully(connection, ByteBuffer.wrap((tag + ":" + line + "\n")
                        .getBytes(StandardCharsets.UTF_8)));
            }
        };
    }
}
