package io.lb4j.benchmarks.healthcheck;

/** {@code --name value} command-line options. */
final class Options {

    private Options() {
    }

    static String get(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
