package io.lb4j.admin;

import io.lb4j.api.RealServer;
import io.lb4j.api.VirtualService;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one list of services changes compared with another, in a line for people: {@code added service "RIS";
 * changed service "PACS" (real servers added: "Secondary")}. Services and real servers are matched by label. Used for
 * the configuration history. Stateless.
 */
final class ConfigDiff {

    private ConfigDiff() {
    }

    /** The change from {@code before} to {@code after}; {@code "no change"} when they are equal. */
    static String describe(List<VirtualService> before, List<VirtualService> after) {
        Map<String, VirtualService> old = byLabel(before);
        Map<String, VirtualService> now = byLabel(after);
        List<String> parts = new ArrayList<>();
        for (String label : now.keySet()) {
            if (!old.containsKey(label)) {
                parts.add("added service \"" + label + "\"");
            }
        }
        for (String label : old.keySet()) {
            if (!now.containsKey(label)) {
                parts.add("removed service \"" + label + "\"");
            }
        }
        for (Map.Entry<String, VirtualService> e : now.entrySet()) {
            VirtualService was = old.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                parts.add("changed service \"" + e.getKey() + "\"" + realServers(was, e.getValue()));
            }
        }
        return parts.isEmpty() ? "no change" : String.join("; ", parts);
    }

    private static String realServers(VirtualService was, VirtualService now) {
        List<String> before = was.realServers().stream().map(RealServer::label).toList();
        List<String> after = now.realServers().stream().map(RealServer::label).toList();
        List<String> detail = new ArrayList<>();
        List<String> added = after.stream().filter(l -> !before.contains(l)).map(l -> "\"" + l + "\"").toList();
        List<String> removed = before.stream().filter(l -> !after.contains(l)).map(l -> "\"" + l + "\"").toList();
        if (!added.isEmpty()) {
            detail.add("real servers added: " + String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            detail.add("real servers removed: " + String.join(", ", removed));
        }
        for (RealServer r : now.realServers()) {
            was.realServer(r.label()).filter(o -> !o.equals(r))
                    .ifPresent(o -> detail.add("real server \"" + r.label() + "\" changed"));
        }
        return detail.isEmpty() ? "" : " (" + String.join("; ", detail) + ")";
    }

    private static Map<String, VirtualService> byLabel(List<VirtualService> services) {
        Map<String, VirtualService> m = new LinkedHashMap<>();
        services.forEach(s -> m.put(s.label(), s));
        return m;
    }
}
