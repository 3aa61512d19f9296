package io.lb4j.config.internal;

import io.lb4j.config.ConfigNode;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists of ports or HTTP statuses: integers and ranges written as strings, {@code [104, "8000-8010"]}, or one value
 * without brackets. Reading expands ranges in order and refuses a value listed twice, so what a list expands to is
 * bounded by the values' range whatever the text says; writing turns runs of three or more consecutive values back
 * into ranges. Stateless; thread-safe.
 */
public final class IntLists {

    private static final Pattern RANGE = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");

    /** What {@link #read} reads: {@code port} in 1-65535, say, with a range example. */
    public record Kind(String noun, int min, int max, String example) {

        /** Service, check and probe ports. */
        public static final Kind PORT = new Kind("port", 1, 65535, "8000-8010");
        /** HTTP statuses. */
        public static final Kind STATUS = new Kind("status", 100, 599, "200-299");
    }

    private IntLists() {
    }

    /**
     * The values, ranges expanded, in the order written. A single value outside the kind's range is returned for
     * the caller's builder to reject with its own message; a range must lie within it.
     *
     * @throws io.lb4j.config.ConfigException at the item that is neither an integer nor a range, a range that runs
     *                                        backwards or leaves the kind's range, or a value listed twice
     */
    public static int[] read(ConfigNode node, String what, Kind kind) {
        List<ConfigNode> items = node.asItems(what);
        BitSet seen = new BitSet(kind.max() + 1);
        List<Integer> values = new ArrayList<>();
        String expected = "a " + kind.noun() + " " + kind.min() + "-" + kind.max() + " or a range such as \""
                + kind.example() + "\"";
        for (ConfigNode item : items) {
            if (item instanceof ConfigNode.Scalar s && s.isString()) {
                Matcher m = RANGE.matcher(s.text().strip());
                if (!m.matches()) {
                    throw item.error(what + ": " + s.shown() + " (expected: " + expected + ")");
                }
                int from = Integer.parseInt(m.group(1));
                int to = Integer.parseInt(m.group(2));
                if (from > to || from < kind.min() || to > kind.max()) {
                    throw item.error(what + ": " + s.shown() + " (expected: a range from low to high within "
                            + kind.min() + "-" + kind.max() + ", such as \"" + kind.example() + "\")");
                }
                for (int v = from; v <= to; v++) {
                    add(item, what, kind, seen, values, v);
                }
            } else {
                add(item, what, kind, seen, values, item.asInt(what, expected));
            }
        }
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(ConfigNode item, String what, Kind kind, BitSet seen, List<Integer> values, int v) {
        if (v >= kind.min() && v <= kind.max()) {
            if (seen.get(v)) {
                throw item.error(what + ": " + v + " (expected: each " + kind.noun() + " once; " + v
                        + " is listed twice)");
            }
            seen.set(v);
        }
        values.add(v);
    }

    /** The values in the given order, runs of three or more consecutive ascending values as a range string. */
    public static ConfigNode.Sequence write(List<Integer> values) {
        List<ConfigNode> items = new ArrayList<>();
        int i = 0;
        while (i < values.size()) {
            int j = i;
            while (j + 1 < values.size() && values.get(j + 1) == values.get(j) + 1) {
                j++;
            }
            if (j - i >= 2) {
                items.add(ConfigNode.Scalar.of(values.get(i) + "-" + values.get(j)));
            } else {
                for (int k = i; k <= j; k++) {
                    items.add(ConfigNode.Scalar.of(values.get(k)));
                }
            }
            i = j + 1;
        }
        return ConfigNode.Sequence.of(items);
    }
}
