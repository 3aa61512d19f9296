package io.lb4j.ha.internal;

import io.lb4j.api.spi.TaskClock;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * A socket's input with one deadline for a whole frame rather than a timeout per read: a peer that trickles a byte
 * every few seconds beats a per-read timeout forever, never this. Before each read of the socket the read timeout is
 * set to the time left; a read that returns after the deadline, or finds none left, throws
 * {@link FrameTimeoutException}. Time is the channel's clock. Used by one thread at a time.
 */
public final class DeadlineInputStream extends FilterInputStream {

    private final Socket socket;
    private final TaskClock clock;
    private long deadlineNanos;
    private long timeoutNanos;

    public DeadlineInputStream(Socket socket, TaskClock clock) throws IOException {
        super(socket.getInputStream());
        this.socket = socket;
        this.clock = clock;
    }

    /** The next bytes must arrive within {@code timeoutNanos} from now. */
    public void expectWithin(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = clock.nanoTime() + timeoutNanos;
    }

    /** A frame that did not arrive whole by its deadline. The connection ends. */
    public static final class FrameTimeoutException extends SocketTimeoutException {
        FrameTimeoutException(String message) {
            super(message);
        }
    }

    @Override
    public int read() throws IOException {
        arm();
        try {
            int b = super.read();
            check();
            return b;
        } catch (FrameTimeoutException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            throw timedOut();
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        try {
            int n = super.read(b, off, len);
            check();
            return n;
        } catch (FrameTimeoutException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            throw timedOut();
        }
    }

    private void arm() throws IOException {
        long left = deadlineNanos - clock.nanoTime();
        if (left <= 0) {
            throw timedOut();
        }
        socket.setSoTimeout((int) Math.clamp(TimeUnit.NANOSECONDS.toMillis(left) + 1, 1, Integer.MAX_VALUE));
    }

    private void check() throws FrameTimeoutException {
        if (deadlineNanos - clock.nanoTime() < 0) {
            throw timedOut();
        }
    }

    private FrameTimeoutException timedOut() {
        return new FrameTimeoutException("no complete frame within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + " ms");
    }
}
