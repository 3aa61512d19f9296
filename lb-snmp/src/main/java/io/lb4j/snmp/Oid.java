package io.lb4j.snmp;

import java.util.Arrays;

/**
 * An object identifier: up to {@link #MAX_LENGTH} unsigned 32-bit sub-identifiers, ordered lexicographically with
 * unsigned comparison, as SNMP orders a MIB walk. Immutable.
 */
final class Oid implements Comparable<Oid> {

    /** RFC 2741 section 5.1: an AgentX object identifier has at most 128 sub-identifiers. */
    static final int MAX_LENGTH = 128;

    static final Oid NULL = new Oid(new int[0]);

    private final int[] subids;

    private Oid(int[] subids) {
        this.subids = subids;
    }

    static Oid of(int... subids) {
        if (subids.length > MAX_LENGTH) {
            throw new IllegalArgumentException("oid: " + subids.length + " sub-identifiers (expected: at most "
                    + MAX_LENGTH + ")");
        }
        return new Oid(subids.clone());
    }

    /** Parses the dotted form, e.g. {@code 1.3.6.1.4.1.32473.4}. */
    static Oid parse(String dotted) {
        String[] parts = dotted.startsWith(".") ? dotted.substring(1).split("\\.") : dotted.split("\\.");
        int[] subids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            subids[i] = Integer.parseUnsignedInt(parts[i]);
        }
        return of(subids);
    }

    Oid append(int... more) {
        int[] joined = Arrays.copyOf(subids, subids.length + more.length);
        System.arraycopy(more, 0, joined, subids.length, more.length);
        return of(joined);
    }

    int length() {
        return subids.length;
    }

    /** Sub-identifier {@code i}, as the unsigned value in an int. */
    int get(int i) {
        return subids[i];
    }

    boolean isNull() {
        return subids.length == 0;
    }

    /** Whether {@code prefix} is this OID or one of its ancestors. */
    boolean startsWith(Oid prefix) {
        return prefix.subids.length <= subids.length
                && Arrays.equals(subids, 0, prefix.subids.length, prefix.subids, 0, prefix.subids.length);
    }

    @Override
    public int compareTo(Oid other) {
        int n = Math.min(subids.length, other.subids.length);
        for (int i = 0; i < n; i++) {
            int c = Integer.compareUnsigned(subids[i], other.subids[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(subids.length, other.subids.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Oid other && Arrays.equals(subids, other.subids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(subids);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int s : subids) {
            b.append(b.isEmpty() ? "" : ".").append(Integer.toUnsignedString(s));
        }
        return b.toString();
    }
}
