package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * A value the embedder's code supplies (the pair's status, the cluster's), read on request threads. When that code
 * throws or returns null, {@link #get()} throws {@link Unavailable} with a message safe to show an operator, and the
 * failure is logged at WARN once until it changes or recovers (every event stream reads the status every 2 s), so
 * the server still answers rather than failing the whole status or the stream. Thread-safe.
 */
final class Supplied<T> {

    private final Logger log;
    private final String what;
    private final String source;
    private final Supplier<T> supplier;
    private volatile String lastFailure;

    /**
     * @param owner    whose logger reports a failure
     * @param what     what is read, for messages: {@code pair status}
     * @param source   what supplies it, for messages: {@code supplier}
     * @param supplier the embedder's code
     */
    Supplied(Class<?> owner, String what, String source, Supplier<T> supplier) {
        this.log = LoggerFactory.getLogger(owner);
        this.what = what;
        this.source = source;
        this.supplier = supplier;
    }

    /** The embedder's code failed; the message is safe to show an operator. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * The value now.
     *
     * @throws Unavailable when the embedder's code threw or returned null
     */
    T get() {
        T value;
        try {
            value = supplier.get();
        } catch (RuntimeException e) {
            throw failed(what + " unavailable: " + describe(e), e);
        }
        if (value == null) {
            throw failed(what + " unavailable: the " + source + " returned null", null);
        }
        lastFailure = null;
        return value;
    }

    /** {@code IllegalStateException: bird socket gone}: what an operator is shown of an exception. */
    static String describe(RuntimeException e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    private Unavailable failed(String message, RuntimeException cause) {
        if (!message.equals(lastFailure)) {
            lastFailure = message;
            log.warn("{} (logged once until it changes or recovers)", message, cause);
        } else {
            log.debug("{}", message, cause);
        }
        return new Unavailable(message, cause);
    }
}
