package io.lb4j.engine.proxy;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The Netty transport a {@link ProxyEngine} runs its sockets on ({@link ProxyEngine.Builder#transport(Transport)}).
 * Every transport relays the same bytes with the same back-pressure and half-close guarantees; they differ in
 * system calls per byte and per connection, and in where they run:
 *
 * <ul>
 *   <li>{@link #AUTO}: the fastest transport available here, in the order {@link #IO_URING}, {@link #EPOLL},
 *       {@link #NIO} (measured with {@code benchmarks/transports.sh}); the default.</li>
 *   <li>{@link #NIO}: Java NIO; runs everywhere.</li>
 *   <li>{@link #EPOLL}: Linux epoll; needs Netty's native epoll jar for the platform and native access for Netty.</li>
 *   <li>{@link #IO_URING}: Linux io_uring; needs Netty's native io_uring jar for the platform, native access for
 *       Netty, and a kernel that allows io_uring (5.14 or newer; {@code kernel.io_uring_disabled} 0, and not
 *       blocked by a seccomp profile such as a container runtime's default). With native access for module
 *       {@code io.lb4j.linux} too and Linux 5.19 or newer, TCP is relayed on bare io_uring requests rather than on
 *       Netty's channels: no address lookups, no pipeline, a third less CPU per new connection; services that
 *       preserve the client's address or send PROXY headers keep Netty's channels.</li>
 * </ul>
 *
 * <p>A transport that is not {@link #isAvailable() available} cannot be used: {@link ProxyEngine#start} then fails
 * naming {@link #unavailabilityCause()}. Availability is probed once per transport and JVM, never on the data path.
 */
public enum Transport {

    /** The fastest {@link #isAvailable() available} transport: io_uring, else epoll, else NIO. */
    AUTO,

    /** Java NIO: selectors over JDK socket channels. Always available. */
    NIO,

    /** Linux epoll, level-triggered, through Netty's native library. */
    EPOLL,

    /** Linux io_uring, through Netty's native library. */
    IO_URING;

    // AUTO's choice, fastest first; see benchmarks/transports.sh for the measurement behind the order.
    private static final List<Transport> PREFERENCE = List.of(IO_URING, EPOLL, NIO);

    /** Whether this transport can run here; probes the native library and the kernel on first call. */
    public boolean isAvailable() {
        return switch (this) {
            case AUTO, NIO -> true;
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
        };
    }

    /** Why this transport cannot run here; empty when it {@link #isAvailable() can}. */
    public Optional<Throwable> unavailabilityCause() {
        return switch (this) {
            case AUTO, NIO -> Optional.empty();
            case EPOLL -> Optional.ofNullable(Epoll.unavailabilityCause());
            case IO_URING -> Optional.ofNullable(IoUring.unavailabilityCause());
        };
    }

    /** The concrete transports (not {@link #AUTO}) that can run here, fastest first. */
    public static List<Transport> available() {
        List<Transport> out = new ArrayList<>(PREFERENCE.size());
        for (Transport t : PREFERENCE) {
            if (t.isAvailable()) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }

    /**
     * The concrete transport to run on: this one, or for {@link #AUTO} the fastest available.
     *
     * @throws IllegalStateException naming the transport and its cause when it cannot run here
     */
    Transport resolve() {
        if (this == AUTO) {
            return available().getFirst(); // NIO is always available
        }
        if (!isAvailable()) {
            Throwable cause = unavailabilityCause().orElse(null);
            throw new IllegalStateException("proxy engine: transport " + this + " is not available here: "
                    + (cause == null ? "unknown cause" : cause.toString())
                    + " (expected: Linux with Netty's native " + name().toLowerCase()
                    + " jar for this platform and native access; or transport AUTO or NIO)", cause);
        }
        return this;
    }

    // The I/O handler and channel classes of a concrete transport; AUTO has none (resolve() it first).

    IoHandlerFactory ioHandlerFactory() {
        return switch (concrete()) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> EpollInterestFix.ioHandlerFactory();
            default -> IoUringIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (concrete()) {
            case NIO -> NioServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            default -> IoUringServerSocketChannel.class;
        };
    }

    /** Makes new, unregistered client socket channels (a constructor reference, no reflection). */
    Supplier<Channel> socketChannel() {
        return switch (concrete()) {
            case NIO -> NioSocketChannel::new;
            case EPOLL -> EpollSocketChannel::new;
            default -> IoUringSocketChannel::new;
        };
    }

    Class<? extends Channel> datagramChannel() {
        return switch (concrete()) {
            case NIO -> NioDatagramChannel.class;
            case EPOLL -> EpollDatagramChannel.class;
            default -> IoUringDatagramChannel.class;
        };
    }

    private Transport concrete() {
        if (this == AUTO) {
            throw new UnsupportedOperationException("AUTO is not a concrete transport: resolve() it first");
        }
        return this;
    }
}
