package io.lb4j.config;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.Fallback;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.OnDown;
import io.lb4j.api.Protocol;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Valid service lists drawn from the whole model: every forwarding method, TCP and UDP, IPv4 and IPv6, port lists
 * with ranges, every scheduler, persistence, every failback policy, real servers with every option, fallbacks with
 * and without masquerading, every health-check type with every option, {@code allOf} with and without
 * {@code otherPorts} included, for TCP proxies {@code preserveClientAddress} and {@code proxyProtocol}, and a proxy
 * service's timeouts and caps (idle timeouts including 0, keepalive on, off and tuned, connection and UDP session caps
 * including 0) where they apply. Labels and texts carry quotes, spaces, non-ASCII and control characters, since the
 * written forms must carry them.
 */
final class RandomServices {

    private static final String[] LABELS = {"PACS", "Primary Cluster", "ü-node", "a\"b", "x: y", "[1]", "-", "#tag"};
    private static final String[] PATHS = {"/", "/health", "/a/b?x=1&y=%20", "/~user"};
    private static final String[] HOSTS = {"pacs.local", "10.0.0.1:8080", "[fd00::1]:443"};
    private static final String[] PATTERNS = {"UP", "\"status\":\"UP\"", "^OK$", "a|b", "\\d+"};
    private static final String[] EXPECTS = {"^220", "PONG", "(?i)ok", "\\x00\\x01"};
    private static final Scheduler[] SCHEDULERS = {Scheduler.roundRobin(), Scheduler.weightedRoundRobin(),
            Scheduler.leastConnections(), Scheduler.weightedLeastConnections(), Scheduler.sourceHash(),
            Scheduler.maglev()};

    private final Random r;

    RandomServices(Random r) {
        this.r = r;
    }

    /** One to four services, each on its own VIP so that no port is shared. */
    List<VirtualService> list() {
        List<VirtualService> services = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            services.add(service(i));
        }
        return services;
    }

    private VirtualService service(int index) {
        ForwardingMethod method = pick(ForwardingMethod.values());
        boolean v6 = r.nextInt(4) == 0;
        String vip = v6 ? "fd00::" + Integer.toHexString(index + 1) : "10.0." + index + ".1";
        List<Integer> ports = ports();
        Protocol protocol = pick(Protocol.values());
        VirtualService.Builder b = VirtualService.builder(method).label(pick(LABELS) + " " + index).address(vip)
                .protocol(protocol).scheduler(pick(SCHEDULERS));
        if (method == ForwardingMethod.PROXY) {
            limits(b, protocol);
        }
        ports.forEach(b::ports);
        if (r.nextBoolean()) {
            Duration persistence = duration(1, 86_400_000);
            b.persistence(persistence);
            if (r.nextBoolean()) {
                b.persistenceNetmask(r.nextInt(v6 ? 129 : 33));
            }
        }
        switch (r.nextInt(3)) {
            case 0 -> b.failback(FailbackPolicy.manual());
            case 1 -> b.failback(FailbackPolicy.holdDown(duration(1, 3_600_000)));
            default -> { }
        }
        int reals = r.nextInt(4);
        for (int k = 0; k < reals; k++) {
            String address = v6 ? "fd01::" + Integer.toHexString(index + 1) + ":" + (k + 1)
                    : "10.1." + index + "." + (k + 1);
            int max = r.nextBoolean() ? 0 : r.nextInt(65536);
            b.real(RealServer.builder(pick(LABELS) + " #" + k, address)
                    .port(method.remapsPorts() && r.nextBoolean() ? r.nextInt(65536) : 0)
                    .weight(r.nextInt(65536)).maxConnections(max)
                    .minConnections(max == 0 ? r.nextInt(65536) : r.nextInt(max + 1)).build());
        }
        if (reals == 0 || r.nextBoolean()) {
            boolean masquerade = r.nextBoolean();
            boolean remaps = masquerade || method.remapsPorts();
            b.fallback(Fallback.builder(v6 ? "fd02::" + Integer.toHexString(index + 1) : "10.2." + index + ".1")
                    .masquerade(masquerade).port(remaps && r.nextBoolean() ? r.nextInt(65536) : 0).build());
        }
        b.healthCheck(healthCheck(ports));
        b.onDown(pick(OnDown.values()));
        if (r.nextBoolean()) {
            b.slowStart(duration(1_000, 86_400_000));
        }
        // Only a TCP proxy may keep the client's address or send a PROXY header; its reals share the VIP's family.
        if (method == ForwardingMethod.PROXY && protocol == Protocol.TCP) {
            b.preserveClientAddress(r.nextBoolean()).proxyProtocol(pick(ProxyProtocol.values()));
        }
        return b.build();
    }

    /** Each proxy setting of the protocol sometimes, at its bounds or anywhere in its range; else the default. */
    private void limits(VirtualService.Builder b, Protocol protocol) {
        if (protocol == Protocol.UDP) {
            if (r.nextBoolean()) {
                b.maxUdpSessions(r.nextInt(4) == 0 ? r.nextInt(2) : r.nextInt(VirtualService.MAX_CAP + 1));
            }
            return;
        }
        if (r.nextBoolean()) {
            b.clientIdleTimeout(idleTimeout());
        }
        if (r.nextBoolean()) {
            b.serverIdleTimeout(idleTimeout());
        }
        switch (r.nextInt(3)) {
            case 0 -> b.tcpKeepAlive(TcpKeepAlive.off());
            case 1 -> b.tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(1 + r.nextInt(TcpKeepAlive.MAX_SECONDS)),
                    Duration.ofSeconds(1 + r.nextInt(TcpKeepAlive.MAX_SECONDS)), 1 + r.nextInt(TcpKeepAlive.MAX_COUNT)));
            default -> { }
        }
        if (r.nextBoolean()) {
            b.maxConnections(r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(VirtualService.MAX_CAP));
        }
    }

    /** 0 (never) or 1 s-7 days. */
    private Duration idleTimeout() {
        return r.nextInt(5) == 0 ? Duration.ZERO : duration(1000, VirtualService.MAX_IDLE_TIMEOUT.toMillis());
    }

    /** One to eight distinct ports, sometimes with a run that is written as a range. */
    private List<Integer> ports() {
        Set<Integer> ports = new LinkedHashSet<>();
        if (r.nextInt(3) == 0) {
            int from = 1 + r.nextInt(65000);
            for (int p = from; p <= from + 2 + r.nextInt(20); p++) {
                ports.add(p);
            }
        }
        int singles = (ports.isEmpty() ? 1 : 0) + r.nextInt(8);
        for (int i = 0; i < singles; i++) {
            ports.add(1 + r.nextInt(65535));
        }
        return new ArrayList<>(ports);
    }

    private HealthCheck healthCheck(List<Integer> servicePorts) {
        boolean allPorts = r.nextInt(3) > 0;
        List<Integer> checked = allPorts ? servicePorts : subset(servicePorts);
        int type = r.nextInt(9);
        HealthCheck.Builder b = switch (type) {
            case 0 -> HealthCheck.none();
            case 1 -> HealthCheck.of(allOf(checked));
            case 2 -> r.nextBoolean() ? HealthCheck.of(single())   // an agent is a check of its own, never a part
                    : HealthCheck.agent(AgentProbe.of(1 + r.nextInt(65535)).withSend(r.nextBoolean() ? "" : "pacs\n"));
            default -> HealthCheck.of(single());
        };
        if (!allPorts) {
            b.ports(checked.stream().mapToInt(Integer::intValue).toArray());
        }
        Duration interval = duration(1, 3_600_000);
        b.interval(interval);
        if (r.nextBoolean()) {
            b.timeout(duration(1, interval.toMillis()));
        }
        if (r.nextBoolean()) {
            b.jitter(duration(0, interval.toMillis() - 1));
        }
        return b.failAfter(1 + r.nextInt(1000)).riseAfter(1 + r.nextInt(1000)).spread(r.nextBoolean()).build();
    }

    /** Each checked port in one part, some left to {@code otherPorts} when it checks, perhaps a health endpoint. */
    private CompositeProbe allOf(List<Integer> checked) {
        Probe others = r.nextBoolean() ? NoProbe.INSTANCE : single();
        int parts = 1 + r.nextInt(Math.min(4, checked.size()));
        List<List<Integer>> byPart = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            byPart.add(new ArrayList<>());
        }
        List<Integer> shuffled = new ArrayList<>(checked);
        Collections.shuffle(shuffled, r);
        for (int i = 0; i < shuffled.size(); i++) {
            boolean leftToOthers = !(others instanceof NoProbe) && r.nextInt(3) == 0;
            if (i < parts || !leftToOthers) {
                byPart.get(i < parts ? i : r.nextInt(parts)).add(shuffled.get(i));
            }
        }
        Set<Integer> used = new TreeSet<>(checked);
        if (r.nextInt(4) == 0) {
            int endpoint = 1 + r.nextInt(65535);
            if (used.add(endpoint)) {
                byPart.getFirst().add(endpoint);
            }
        }
        List<CompositeProbe.Part> list = new ArrayList<>();
        for (List<Integer> ports : byPart) {
            list.add(new CompositeProbe.Part(single(), ports));
        }
        return new CompositeProbe(list, others);
    }

    /** A probe that checks something: every type but none and allOf. */
    private Probe single() {
        return switch (r.nextInt(7)) {
            case 0 -> ConnectProbe.INSTANCE;
            case 1, 2 -> http(r.nextBoolean());
            case 3 -> r.nextBoolean() ? DicomEchoProbe.of(aeTitle(), aeTitle()).tls(dicomTls())
                    : DicomFindProbe.of(aeTitle(), aeTitle()).study(r.nextBoolean() ? "" : "1.2.840." + r.nextInt(99999))
                            .patient(r.nextBoolean() ? "" : "P" + r.nextInt(1000)).tls(dicomTls());
            case 4 -> r.nextBoolean() ? Hl7Probe.defaults()
                    : Hl7Probe.template("MSH|^~\\&|LB|" + r.nextInt(100) + "|RIS|H|20240101||ADT^A01|X|P|2.5\nPID|1\n");
            case 5 -> NegotiateProbe.of(bytes(), pick(EXPECTS));
            default -> ExternalProbe.of(Path.of("/etc/lb4j/checks/check " + r.nextInt(10) + ".sh"))
                    .withCheckSource(r.nextBoolean() ? "" : "10.9.9." + r.nextInt(256)).withDynamicWeight(r.nextBoolean());
        };
    }

    private DicomTls dicomTls() {
        return switch (r.nextInt(3)) {
            case 0 -> DicomTls.systemTrust();
            case 1 -> DicomTls.trusting(Path.of("/etc/lb4j/pacs-ca-" + r.nextInt(9) + ".pem"));
            default -> DicomTls.trusting(Path.of("/etc/lb4j/ca.pem"))
                    .withClientCertificate(Path.of("/etc/lb4j/lb.pem"), Path.of("/etc/lb4j/lb-key.pem"));
        };
    }

    private HttpProbe http(boolean tls) {
        String method = pick(new String[] {"GET", "HEAD", "POST", "OPTIONS"});
        HttpProbe p = HttpProbe.request(method, pick(PATHS)).tls(tls);
        if (r.nextBoolean()) {
            p = p.host(pick(HOSTS));
        }
        if (r.nextBoolean()) {
            int[] statuses = new int[1 + r.nextInt(6)];
            int from = 100 + r.nextInt(500);
            for (int i = 0; i < statuses.length; i++) {
                statuses[i] = r.nextBoolean() ? Math.min(599, from + i) : 100 + r.nextInt(500);
            }
            p = p.expectStatus(statuses);
        }
        if (!method.equals("HEAD") && r.nextBoolean()) {
            p = p.bodyMatches(pick(PATTERNS));
        }
        return tls && r.nextBoolean() ? p.insecure(true) : p;
    }

    /** 1-16 printable ASCII characters without a backslash, not only spaces. */
    private String aeTitle() {
        StringBuilder b = new StringBuilder();
        int length = 1 + r.nextInt(16);
        for (int i = 0; i < length; i++) {
            char c = (char) (0x20 + r.nextInt(0x5f));
            b.append(c == '\\' ? '/' : c);
        }
        return b.toString().isBlank() ? "A" + b.substring(1) : b.toString();
    }

    /** Characters U+0000-U+00FF, control characters included, as negotiate sends them. */
    private String bytes() {
        StringBuilder b = new StringBuilder();
        int length = r.nextInt(12);
        for (int i = 0; i < length; i++) {
            b.append((char) r.nextInt(256));
        }
        return b.toString();
    }

    private List<Integer> subset(List<Integer> ports) {
        List<Integer> shuffled = new ArrayList<>(ports);
        Collections.shuffle(shuffled, r);
        return shuffled.subList(0, 1 + r.nextInt(shuffled.size()));
    }

    /** Whole milliseconds in {@code [min, max]}, often round, so every unit is written. */
    private Duration duration(long min, long max) {
        long ms = min + (long) (r.nextDouble() * (max - min + 1));
        long[] units = {3_600_000, 60_000, 1000, 1};
        long unit = units[r.nextInt(units.length)];
        long rounded = ms / unit * unit;
        return Duration.ofMillis(rounded >= min ? rounded : ms);
    }

    private <T> T pick(T[] values) {
        return values[r.nextInt(values.length)];
    }
}
