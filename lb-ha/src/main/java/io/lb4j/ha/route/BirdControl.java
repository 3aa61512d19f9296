package io.lb4j.ha.route;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One command over BIRD's control socket, as {@code birdc} sends it: BIRD greets with {@code 0001 BIRD 2.x ready.};
 * a command is one line; the reply is lines {@code NNNN-text} (more follows), {@code " text"} (continuation) and ends
 * with {@code NNNN text} (a code and a space). Codes {@code 0xxx} end a command that succeeded, {@code 8xxx} and
 * {@code 9xxx} one that failed (BIRD's {@code doc/reply_codes}). A connection per command: nothing to keep alive, and a
 * BIRD that restarted is simply reached again.
 */
final class BirdControl {

    /** The reply: its final code and every line's text, codes stripped. */
    record Reply(int code, List<String> lines) {
        boolean ok() {
            return code < 1000;
        }

        String text() {
            return String.join("\n", lines);
        }
    }

    private final Path socket;
    private final Duration timeout;

    BirdControl(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /**
     * Sends {@code command} and reads the reply within the timeout.
     *
     * @throws IOException naming the socket when BIRD cannot be reached, hangs up, or does not answer in time
     */
    Reply command(String command) throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("BIRD control socket " + socket + ": " + e.getMessage(), e);
        }
        // A blocking unix channel has no read timeout: the read runs on a virtual thread, closed on timeout.
        try (channel; var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var reply = executor.submit(() -> exchange(channel, command));
            try {
                return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                channel.close();
                throw new IOException("BIRD control socket " + socket + ": no answer to \"" + command + "\" within "
                        + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                throw new IOException("BIRD control socket " + socket + ": " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while talking to BIRD at " + socket, e);
            }
        }
    }

    private static Reply exchange(SocketChannel channel, String command) throws IOException {
        LineReader in = new LineReader(channel);
        Reply greeting = read(in);
        if (greeting.code() != 1) {
            throw new IOException("unexpected greeting: " + greeting.code() + " " + greeting.text());
        }
        channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
        return read(in);
    }

    /** Reads lines up to the one that ends the reply. */
    private static Reply read(LineReader in) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = in.next();
            if (line.startsWith(" ")) {
                lines.add(line.substring(1));
                continue;
            }
            if (line.length() < 5 || !line.substring(0, 4).chars().allMatch(Character::isDigit)) {
                throw new IOException("not a BIRD reply line: \"" + line + "\"");
            }
            lines.add(line.substring(5));
            if (line.charAt(4) == ' ') {
                return new Reply(Integer.parseInt(line.substring(0, 4)), lines);
            }
        }
    }

    /** Lines of a channel, up to 64 KiB each (BIRD's are far shorter). */
    private static final class LineReader {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).flip();

        LineReader(SocketChannel channel) {
            this.channel = channel;
        }

        String next() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                while (buffer.hasRemaining()) {
                    char c = (char) (buffer.get() & 0xff);
                    if (c == '\n') {
                        return line.toString();
                    }
                    line.append(c);
                    if (line.length() > 65536) {
                        throw new IOException("reply line longer than 64 KiB");
                    }
                }
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    throw new IOException("BIRD closed the connection");
                }
                buffer.flip();
            }
        }
    }
}
