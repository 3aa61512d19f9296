package io.lb4j.admin;

import java.util.Objects;

/**
 * A configuration text that a {@link ConfigCodec} cannot accept: {@link #path()} locates the bad field (the JSON
 * pointer {@code /services/0/realServers/1/weight}, or {@code line 12, column 7} for YAML or for text that is not
 * JSON at all) and the message says what is wrong with it, usually the lb4j builder's own message. The REST API
 * returns both with 400.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String path;

    /** A problem at {@code path}; {@code message} says what and what is allowed. */
    public InvalidConfigException(String path, String message) {
        super(message);
        this.path = Objects.requireNonNull(path, "path");
    }

    /** Same, keeping the builder's exception as the cause. */
    public InvalidConfigException(String path, String message, Throwable cause) {
        super(message, cause);
        this.path = Objects.requireNonNull(path, "path");
    }

    /** Where the problem is; "" when it concerns the whole document. */
    public String path() {
        return path;
    }
}
