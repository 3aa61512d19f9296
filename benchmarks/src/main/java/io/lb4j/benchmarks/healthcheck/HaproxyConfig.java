package io.lb4j.benchmarks.healthcheck;

/**
 * Prints the HAProxy configuration of the comparison: one thread, one backend with {@code --targets} servers (the
 * first listeners of {@link Targets}), plain TCP connect checks every {@code --interval-ms}.
 */
final class HaproxyConfig {

    static void main(String[] args) {
        int targets = Integer.parseInt(Options.get(args, "--targets", "1000"));
        int basePort = Integer.parseInt(Options.get(args, "--base-port", "" + Targets.DEFAULT_BASE_PORT));
        long intervalMs = Long.parseLong(Options.get(args, "--interval-ms", "100"));
        int frontendPort = Integer.parseInt(Options.get(args, "--frontend-port", "29998"));
        StringBuilder sb = new StringBuilder();
        sb.append("global\n")
                .append("  nbthread 1\n")
                .append("  maxconn 4096\n")
                .append("defaults\n")
                .append("  mode tcp\n")
                .append("  timeout connect 1s\n")
                .append("  timeout client 10s\n")
                .append("  timeout server 10s\n")
                .append("  timeout check ").append(intervalMs).append("ms\n")
                // HAProxy will not start without a listener; this one takes no traffic.
                .append("frontend unused\n")
                .append("  bind 127.0.0.1:").append(frontendPort).append('\n')
                .append("  default_backend checks\n")
                .append("backend checks\n")
                .append("  balance roundrobin\n")
                .append("  default-server check inter ").append(intervalMs).append("ms fall 3 rise 2\n");
        for (int i = 0; i < targets; i++) {
            sb.append("  server s").append(i).append(' ').append(Targets.address(i).getHostAddress()).append(':')
                    .append(Targets.port(basePort, i)).append('\n');
        }
        System.out.print(sb);
    }

    private HaproxyConfig() {
    }
}
