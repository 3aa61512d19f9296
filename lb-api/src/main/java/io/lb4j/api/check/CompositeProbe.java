package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Several probes, each on its own ports, all of which must pass: a PACS is healthy when DICOM answers a C-ECHO on
 * 104, HTTP answers on 80 and every other port accepts a connection:
 *
 * <pre>{@code
 * HealthCheck.allOf(CompositeProbe
 *         .on(DicomEchoProbe.defaults().withCalledAeTitle("PACS"), 104)
 *         .and(HttpProbe.get("/"), 80, 8080)
 *         .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
 *         .and(Hl7Probe.defaults(), 1001)
 *         .otherPorts(ConnectProbe.INSTANCE))
 *     .interval(Duration.ofSeconds(30)).failAfter(10).build();
 * }</pre>
 *
 * <p>"Other ports" are the health check's ports (every port of the service by default) not named by a part. With
 * {@link NoProbe} (the default) there must be none: a service whose checked port no part names is refused when it
 * is built ({@code allOf.ports: 5222 (expected: ...)}), since a dead service on that port would never fail over;
 * name it in a part, give an "other ports" probe, or narrow the check's ports. A part's ports are probed even when
 * the service does not listen on them, so a separate health endpoint can be checked. All parts and ports run in
 * parallel; a failed attempt's reason names every port that failed. A port belongs to at most one part, and parts are not nested.
 *
 * @param parts      the probes and the ports each runs on, at least one
 * @param otherPorts the probe for the check's remaining ports; {@link NoProbe} for none
 */
public record CompositeProbe(List<Part> parts, Probe otherPorts) implements Probe {

    /**
     * One probe on fixed ports.
     *
     * @param probe the probe, neither composite nor {@link NoProbe}
     * @param ports its ports, at least one, each 1-65535
     */
    public record Part(Probe probe, List<Integer> ports) {

        /**
         * Validates the part.
         *
         * @throws IllegalArgumentException for a nested composite, a {@link NoProbe}, no ports or a port out of range
         * @throws NullPointerException     naming a missing field
         */
        public Part {
            Objects.requireNonNull(probe, "allOf.probe");
            ports = List.copyOf(Objects.requireNonNull(ports, "allOf.ports"));
            if (probe instanceof CompositeProbe) {
                throw Checks.invalid("allOf.probe", probe.type(), "a single probe, not a nested allOf");
            }
            if (probe instanceof NoProbe) {
                throw Checks.invalid("allOf.probe", probe.type(), "a probe that checks something");
            }
            if (ports.isEmpty()) {
                throw Checks.invalid("allOf.ports", "[] for " + probe.type(), "at least one port");
            }
            for (int p : ports) {
                Checks.inRange("allOf.ports", p, 1, 65535);
            }
        }
    }

    /**
     * Validates the composite.
     *
     * @throws IllegalArgumentException when there is no part, a port is in two parts, or {@code otherPorts} is
     *                                  itself composite
     * @throws NullPointerException     naming a missing field
     */
    public CompositeProbe {
        parts = List.copyOf(Objects.requireNonNull(parts, "allOf.parts"));
        Objects.requireNonNull(otherPorts, "allOf.otherPorts");
        if (parts.isEmpty()) {
            throw Checks.invalid("allOf.parts", "[]", "at least one probe");
        }
        if (otherPorts instanceof CompositeProbe) {
            throw Checks.invalid("allOf.otherPorts", otherPorts.type(), "a single probe, not a nested allOf");
        }
        Set<Integer> seen = new HashSet<>();
        for (Part part : parts) {
            for (int p : part.ports()) {
                if (!seen.add(p)) {
                    throw Checks.invalid("allOf.ports", p, "each port in one part; " + p + " is listed twice");
                }
            }
        }
    }

    /** A composite whose first part runs {@code probe} on {@code ports}. */
    public static CompositeProbe on(Probe probe, int... ports) {
        return new CompositeProbe(List.of(new Part(probe, IntStream.of(ports).boxed().toList())), NoProbe.INSTANCE);
    }

    /** This composite plus {@code probe} on {@code ports}. */
    public CompositeProbe and(Probe probe, int... ports) {
        List<Part> more = new ArrayList<>(parts);
        more.add(new Part(probe, IntStream.of(ports).boxed().toList()));
        return new CompositeProbe(more, otherPorts);
    }

    /** This composite running {@code probe} on the check's ports that no part names; {@code this} when unchanged. */
    public CompositeProbe otherPorts(Probe probe) {
        return probe.equals(otherPorts) ? this : new CompositeProbe(parts, probe);
    }

    /** Every port a part names. */
    public Set<Integer> namedPorts() {
        Set<Integer> named = new HashSet<>();
        parts.forEach(p -> named.addAll(p.ports()));
        return Set.copyOf(named);
    }

    @Override
    public String type() {
        return "allOf";
    }
}
