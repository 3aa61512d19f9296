package io.lb4j.config;

import java.util.Objects;

/**
 * Configuration text that cannot be used, with where the problem is. The message reads {@code location: problem};
 * the location is {@code file:line:column} for YAML (the shape compilers use, so editors and terminals jump to it),
 * a JSON pointer such as {@code /services/0/healthCheck/probes/1/ports/0} for JSON, or {@code line L, column C} for
 * text that is not JSON at all. The problem names the field, the value and what is allowed, and is the same
 * whichever syntax the mistake was written in.
 *
 * <p>Nothing built from text that raised this is ever used: reading either returns a complete, valid result or
 * throws, with no side effects. Immutable.
 */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String location;
    private final String problem;
    private final int line;
    private final int column;

    /**
     * A problem at a location that is not a node of a tree: a whole file, say.
     *
     * @param location where, e.g. the file's name
     * @param problem  what is wrong and what is allowed, without the location
     */
    public ConfigException(String location, String problem) {
        this(location, problem, 0, 0, null);
    }

    /** As {@link #ConfigException(String, String)}, keeping the exception that revealed the problem. */
    public ConfigException(String location, String problem, Throwable cause) {
        this(location, problem, 0, 0, cause);
    }

    ConfigException(String location, String problem, int line, int column, Throwable cause) {
        super(Objects.requireNonNull(location, "location") + ": " + Objects.requireNonNull(problem, "problem"), cause);
        this.location = location;
        this.problem = problem;
        this.line = line;
        this.column = column;
    }

    /** Where the problem is: {@code file:line:column}, a JSON pointer, or a file name for the whole file. */
    public String location() {
        return location;
    }

    /** What is wrong, without the location: the same text whichever syntax the mistake was written in. */
    public String problem() {
        return problem;
    }

    /** The 1-based line of the offending text, or 0 when the location is not in a text (a whole file). */
    public int line() {
        return line;
    }

    /** The 1-based column of the offending text, or 0 when unknown. */
    public int column() {
        return column;
    }
}
