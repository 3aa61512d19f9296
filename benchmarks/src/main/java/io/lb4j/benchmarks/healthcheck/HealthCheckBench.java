package io.lb4j.benchmarks.healthcheck;

import java.util.Arrays;

/**
 * Entry point of the health-check comparison (lb4j {@code connect()} checks vs HAProxy); driven by
 * {@code benchmarks/healthcheck-vs-haproxy.sh}. Sub-commands: {@code listen}, {@code lb4j}, {@code peer},
 * {@code haproxy-config}, {@code table}.
 */
public final class HealthCheckBench {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: HealthCheckBench listen|lb4j|peer|haproxy-config|table [options]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "listen" -> LoopbackListeners.main(rest);
            case "lb4j" -> Lb4jCheckRun.main(rest);
            case "peer" -> PeerRun.main(rest);
            case "haproxy-config" -> HaproxyConfig.main(rest);
            case "table" -> ResultTable.main(rest);
            default -> {
                System.err.println("unknown sub-command " + args[0]);
                System.exit(2);
            }
        }
    }

    private HealthCheckBench() {
    }
}
