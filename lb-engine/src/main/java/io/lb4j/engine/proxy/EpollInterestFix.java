package io.lb4j.engine.proxy;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll I/O handler with a defect of Netty 4.2.18 worked around: a socket whose interest set becomes empty
 * is deleted from the epoll set ({@code EPOLL_CTL_DEL}) while its registration still counts it as added, so the next
 * interest ({@code EPOLL_CTL_MOD}) fails with {@code ENOENT}. A half-closed socket reaches an empty set as soon as
 * its output is drained (no read interest after the peer's FIN, no write interest with nothing pending); the next
 * write that must wait for the socket to drain then fails and Netty shuts the output down mid-stream. Here an empty
 * set is submitted as {@code EPOLLERR} instead, which keeps the socket in the epoll set and changes nothing the
 * kernel reports: epoll reports {@code EPOLLERR} and {@code EPOLLHUP} whether asked for or not.
 *
 * <p>What that costs: a socket shut down in both directions and wanting nothing stays in the epoll set until it is
 * closed, and epoll reports its {@code EPOLLHUP} on every wake-up until then (as Netty 4.2 did before it started
 * deleting empty sets). The proxy closes such sockets at once. A registration that was never added (a socket not
 * yet connected) is passed through unchanged, so it still stays out of the epoll set until it wants an event.
 *
 * <p>Used for every {@link Transport#EPOLL} engine; one small object per registered channel. To drop when a Netty
 * release resets the registration state after deleting an empty set (see ProxyEngineHalfCloseTest).
 */
final class EpollInterestFix {

    private EpollInterestFix() {
    }

    /** {@link EpollIoHandler#newFactory()} with every handler wrapped. */
    static IoHandlerFactory ioHandlerFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new Handler(epoll.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return epoll.isChangingThreadSupported();
            }
        };
    }

    private record Handler(IoHandler epoll) implements IoHandler {

        @Override
        public void initialize() {
            epoll.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            return epoll.run(context);
        }

        @Override
        public void prepareToDestroy() {
            epoll.prepareToDestroy();
        }

        @Override
        public void destroy() {
            epoll.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return new Registration(epoll.register(handle));
        }

        @Override
        public void wakeup() {
            epoll.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return epoll.isCompatible(handleType);
        }
    }

    private static final class Registration implements IoRegistration {

        private final IoRegistration epoll;
        // Whether Netty has added the fd to the epoll set: after the first non-empty interest set that it accepted.
        // Only the channel's event loop submits interest sets, so no synchronisation.
        private boolean added;

        Registration(IoRegistration epoll) {
            this.epoll = epoll;
        }

        @Override
        public <T> T attachment() {
            return epoll.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (((EpollIoOps) ops).value() == 0) {
                // Before the first add Netty returns without adding (what we want); after it, it would delete.
                return added ? epoll.submit(EpollIoOps.EPOLLERR) : epoll.submit(ops);
            }
            long result = epoll.submit(ops);
            if (result >= 0) {
                added = true;
            }
            return result;
        }

        @Override
        public boolean isValid() {
            return epoll.isValid();
        }

        @Override
        public boolean cancel() {
            return epoll.cancel();
        }
    }
}
