package io.lb4j.appliance;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The entry point of {@code lb4j-appliance.jar}:
 *
 * <pre>
 * java -jar lb4j-appliance.jar --config FILE           run the balancer from a YAML file until stopped
 * java -jar lb4j-appliance.jar --config FILE --check   only check the file; exit 0 when it is valid
 * </pre>
 *
 * <p>Exit status: 0 on success; 2 for bad usage or a bad configuration file (the message, with
 * {@code file:line:column}, on standard error); 1 when the balancer cannot start. Stopped by SIGTERM (after the graceful stop), the JVM exits with 143 as usual.
 */
public final class Appliance {

    private Appliance() {
    }

    /** Runs the command the arguments name; see the class documentation. */
    public static void main(String[] args) {
        int status = run(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    private static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage(args.length == 0);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "--config" -> {
                if (rest.length == 0 || rest.length > 2 || (rest.length == 2 && !rest[1].equals("--check"))) {
                    usage(true);
                    return 2;
                }
                ApplianceRunner runner = new ApplianceRunner(Path.of(rest[0]), System.out, System.err);
                return rest.length == 2 ? runner.check() : runner.runUntilStopped();
            }
            default -> {
                System.err.println("lb4j: unknown command \"" + args[0] + "\"");
                usage(true);
                return 2;
            }
        }
    }

    private static void usage(boolean toStderr) {
        (toStderr ? System.err : System.out).println("""
                usage: java -jar lb4j-appliance.jar --config FILE [--check]
                  --config FILE  run the balancer from a YAML file until SIGTERM; SIGHUP reloads the file
                  --check        only check the file and exit (0 = valid)""");
    }
}
