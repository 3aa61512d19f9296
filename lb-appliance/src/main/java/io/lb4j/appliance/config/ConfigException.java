package io.lb4j.appliance.config;

/**
 * A configuration file that cannot be used, with where the problem is: the message reads
 * {@code file:line:column: what is wrong (expected: what is allowed)}, the shape compilers use, so editors and
 * terminals can jump to it. Nothing is started from a file that raised this.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String problem;

    /**
     * @param file    the file's name as given to the loader
     * @param line    1-based line, or 0 when the problem concerns the whole file
     * @param column  1-based column, or 0 when unknown
     * @param problem what is wrong, without the location
     */
    public ConfigException(String file, int line, int column, String problem) {
        this(file, line, column, problem, null);
    }

    /** As {@link #ConfigException(String, int, int, String)}, keeping the exception that revealed the problem. */
    public ConfigException(String file, int line, int column, String problem, Throwable cause) {
        super(location(file, line, column) + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    private static String location(String file, int line, int column) {
        return file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "");
    }

    /** The file's name as given to the loader. */
    public String file() {
        return file;
    }

    /** The 1-based line of the offending value, or 0 for the whole file. */
    public int line() {
        return line;
    }

    /** The 1-based column of the offending value, or 0 when unknown. */
    public int column() {
        return column;
    }

    /** The message without the location. */
    public String problem() {
        return problem;
    }
}
