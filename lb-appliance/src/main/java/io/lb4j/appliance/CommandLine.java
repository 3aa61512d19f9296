package io.lb4j.appliance;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The appliance's command line, parsed into the one {@link Command} it names. Options may come in any order:
 * {@code --config F --check}, {@code --check --config F} and {@code --check F} all check {@code F}.
 *
 * <p>Thread-safe: no state.
 */
final class CommandLine {

    /** What {@code --help} prints, and a usage error after its message. */
    static final String USAGE = """
            usage: java -jar lb4j-appliance.jar --config FILE         run the balancer from FILE until SIGTERM
                   java -jar lb4j-appliance.jar --check FILE          check FILE as a start would, binding nothing
                   java -jar lb4j-appliance.jar hash-password         print the passwordHash of a password for admin.users
                   java -jar lb4j-appliance.jar --version | --help
              --config FILE  the YAML file to run; SIGHUP reloads it, SIGTERM stops gracefully
              --check        with --config FILE, or as --check FILE: only check the file (0 = nothing in it stops a start)
              hash-password  reads the password from the console without echo, or the first line of standard input
            exit status: 0 ok, 1 could not start, 2 bad usage or a file that cannot run""";

    /** What the arguments ask for. */
    sealed interface Command {
    }

    /** {@code --config FILE}: run until stopped. */
    record Run(Path file) implements Command {
        Run {
            Objects.requireNonNull(file, "file");
        }
    }

    /** {@code --check FILE}, or {@code --check} with {@code --config FILE}: check the file as a start would. */
    record Check(Path file) implements Command {
        Check {
            Objects.requireNonNull(file, "file");
        }
    }

    /** {@code hash-password}. */
    record HashPassword() implements Command {
    }

    /** {@code --version}. */
    record Version() implements Command {
    }

    /** {@code --help} or {@code -h}, whatever else is given. */
    record Help() implements Command {
    }

    /** Arguments that name no command, or one wrongly; the message says what is wrong, without the usage text. */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private CommandLine() {
    }

    /**
     * The command {@code args} name.
     *
     * @throws UsageException naming the first problem: no arguments, an unknown option or command, {@code --config}
     *                        without a file, an option given twice, two files, a command with arguments it does not
     *                        take
     */
    static Command parse(String... args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return new Help();
            }
        }
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        if (args[0].equals("hash-password") || args[0].equals("--version")) {
            if (args.length > 1) {
                throw new UsageException(args[0] + " takes no arguments (got \"" + args[1] + "\")");
            }
            return args[0].equals("--version") ? new Version() : new HashPassword();
        }
        String config = null;
        String checked = null; // the FILE of --check FILE
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config" -> {
                    if (config != null) {
                        throw new UsageException("--config given twice");
                    }
                    if (i + 1 == args.length || args[i + 1].startsWith("-")) {
                        throw new UsageException("--config needs a FILE");
                    }
                    config = args[++i];
                }
                case "--check" -> {
                    if (check) {
                        throw new UsageException("--check given twice");
                    }
                    check = true;
                    if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                        checked = args[++i];
                    }
                }
                case "--version", "hash-password" -> throw new UsageException(a + " takes no other arguments");
                default -> throw new UsageException(a.startsWith("-") ? "unknown option \"" + a + "\""
                        : "unknown command \"" + a + "\"");
            }
        }
        if (config != null && checked != null) {
            throw new UsageException("two files: --config " + config + " and --check " + checked
                    + " (expected: one FILE)");
        }
        if (!check) {
            return new Run(Path.of(config)); // the loop saw --config: every other argument is refused or sets check
        }
        String file = config != null ? config : checked;
        if (file == null) {
            throw new UsageException("--check needs a FILE (--check FILE, or --config FILE --check)");
        }
        return new Check(Path.of(file));
    }
}
