package io.lb4j.testsupport.netns;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BIRD 2 (Debian's {@code bird2}) running in a host of a {@link NetnsLab}, in the foreground under the lab (killed with
 * it), with its configuration, control socket and log in the lab's directory. {@link #ecmpRouter} writes the
 * configuration of the router that spreads a VIP's flows over every balancer announcing it.
 */
public final class Bird {

    private static final Duration START = Duration.ofSeconds(20);
    private static final Pattern NEXT_HOP = Pattern.compile("(?:nexthop )?via (\\S+)");

    private final Host host;
    private final Path config;
    private final Path socket;
    private final ChildProcess process;

    private Bird(Host host, Path config, Path socket, ChildProcess process) {
        this.host = host;
        this.config = config;
        this.socket = socket;
        this.process = process;
    }

    /**
     * Starts BIRD in {@code host} with {@code configuration} (written to {@code <host>-bird.conf} in the lab's
     * directory); returns once its control socket answers.
     *
     * @throws AssertionError with BIRD's output when it does not start within 20 s
     */
    public static Bird start(NetnsLab lab, Host host, String configuration) {
        Path config = lab.directory().resolve(host.name() + "-bird.conf");
        Path socket = socket(lab, host);
        try {
            Files.writeString(config, configuration);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildProcess p = host.start(host.name() + "-bird", List.of("bird", "-f", "-c", config.toString(), "-s",
                socket.toString()));
        Bird bird = new Bird(host, config, socket, p);
        long deadline = System.nanoTime() + START.toNanos();
        while (Command.attempt(host.command("birdc", "-s", socket.toString(), "show", "status")).exitCode() != 0) {
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                throw new AssertionError(host.name() + ": BIRD did not start:\n" + p.text());
            }
        }
        return bird;
    }

    /**
     * The configuration of a router that learns a VIP from each of {@code balancers} over eBGP (the router in AS
     * {@code routerAs}, every balancer in {@code balancerAs}) and installs one kernel route with a next hop per
     * balancer that announces it ({@code merge paths on}); with {@code bfd}, BFD on every session (100 ms x 3).
     * Pair it with {@code net.ipv4.fib_multipath_hash_policy=1} on the router, so flows spread by their ports too.
     */
    public static String ecmpRouter(String routerId, long routerAs, long balancerAs, List<String> balancers,
                                    boolean bfd) {
        StringBuilder s = new StringBuilder("router id " + routerId + ";\nlog stderr all;\n"
                + "protocol device { scan time 1; }\n"
                + "protocol kernel { ipv4 { import none; export all; }; merge paths on; }\n");
        if (bfd) {
            s.append("protocol bfd { interface \"*\" { min rx interval 100 ms; min tx interval 100 ms;"
                    + " multiplier 3; }; }\n");
        }
        int n = 1;
        for (String b : balancers) {
            s.append("protocol bgp balancer").append(n++).append(" { local as ").append(routerAs)
                    .append("; neighbor ").append(b).append(" as ").append(balancerAs).append(";")
                    .append(bfd ? " bfd on;" : "").append(" ipv4 { import all; export none; }; }\n");
        }
        return s.toString();
    }

    /**
     * The configuration of a balancer's own BIRD: router id, interfaces, and {@code include} of the file that lb4j
     * writes (see lb-ha's {@code BirdRouteAnnouncer}); the file is created empty when missing, as BIRD needs it.
     */
    public static String balancer(String routerId, Path include) {
        try {
            if (!Files.exists(include)) {
                Files.writeString(include, "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "router id " + routerId + ";\nlog stderr all;\nprotocol device { scan time 1; }\ninclude \"" + include
                + "\";\n";
    }

    /** {@code birdc -s SOCKET command...} in the host; its output. */
    public String birdc(String... command) {
        List<String> all = new ArrayList<>(List.of("birdc", "-s", socket.toString()));
        all.addAll(List.of(command));
        return Command.run(host.command(all));
    }

    /** The next hops of the host's kernel route to {@code prefix} (e.g. {@code 10.0.1.100}), in the kernel's order. */
    public static List<String> nextHops(Host host, String prefix) {
        String out = Command.run(host.command("ip", "-4", "route", "show", prefix));
        List<String> hops = new ArrayList<>();
        Matcher m = NEXT_HOP.matcher(out);
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    /** Where {@link #start} puts the control socket of {@code host}'s BIRD: for a file written before it starts. */
    public static Path socket(NetnsLab lab, Host host) {
        return lab.directory().resolve(host.name() + "-bird.ctl");
    }

    /** The control socket. */
    public Path socket() {
        return socket;
    }

    /** The configuration file. */
    public Path config() {
        return config;
    }

    /** The running daemon. */
    public ChildProcess process() {
        return process;
    }
}
