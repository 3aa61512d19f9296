package io.lb4j.config;

/**
 * Where a node came from: a line and column of a named YAML text, or a JSON pointer. Nodes built in code have
 * {@link #NONE}: they are written, never reported on.
 *
 * @param source  the YAML file's name, or null for JSON (the pointer locates it)
 * @param line    1-based, 0 when unknown
 * @param column  1-based, 0 when unknown
 * @param pointer the RFC 6901 JSON pointer from the document's root; {@code ""} for the root itself
 */
record Location(String source, int line, int column, String pointer) {

    static final Location NONE = new Location(null, 0, 0, "");

    /** The location of {@code key}'s value inside the mapping at this location. */
    Location child(String key, int childLine, int childColumn) {
        return new Location(source, childLine, childColumn, pointer + "/" + escape(key));
    }

    /** As a message shows it: {@code file:line:column}, or the JSON pointer ({@code /} for the root). */
    @Override
    public String toString() {
        if (source != null) {
            return source + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "");
        }
        return pointer.isEmpty() ? "/" : pointer;
    }

    /** RFC 6901: a key's {@code ~} and {@code /} would otherwise read as syntax. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
