package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import io.lb4j.appliance.CommandLine.Check;
import io.lb4j.appliance.CommandLine.Command;
import io.lb4j.appliance.CommandLine.HashPassword;
import io.lb4j.appliance.CommandLine.Help;
import io.lb4j.appliance.CommandLine.Run;
import io.lb4j.appliance.CommandLine.UsageException;
import io.lb4j.appliance.CommandLine.Version;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The entry point of {@code lb4j-appliance.jar}:
 *
 * <pre>
 * java -jar lb4j-appliance.jar --config FILE     run the balancer from a YAML file until stopped
 * java -jar lb4j-appliance.jar --check FILE      check the file as a start would, binding nothing; exit 0 when it would start
 * java -jar lb4j-appliance.jar hash-password     read a password, print the passwordHash that admin.users takes
 * java -jar lb4j-appliance.jar --version         the version from the jar's manifest
 * java -jar lb4j-appliance.jar --help
 * </pre>
 *
 * <p>Options may come in any order ({@code --config FILE --check} and {@code --check --config FILE} are
 * {@code --check FILE}). Exit status: 0 on success; 2 for bad usage (the message and the usage text on standard
 * error) or a file that cannot run (the message, with {@code file:line:column} where the file has one); 1 when the
 * balancer cannot start (a port in use, an engine that cannot run on this host). Stopped by SIGTERM (after the
 * graceful stop), the JVM exits with 143 as usual.
 */
public final class Appliance {

    private Appliance() {
    }

    /** Runs the command the arguments name; see the class documentation. */
    public static void main(String[] args) {
        int status = run(args, System.in, System.console(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs one command and returns its exit status; {@code --config} returns only when the balancer could not
     * start.
     *
     * @param console the terminal {@code hash-password} reads from without echo, or null to read standard input
     */
    static int run(String[] args, InputStream in, Console console, PrintStream out, PrintStream err) {
        Command command;
        try {
            command = CommandLine.parse(args);
        } catch (UsageException e) {
            err.println("lb4j: " + e.getMessage());
            err.println(CommandLine.USAGE);
            return 2;
        }
        return switch (command) {
            case Run r -> new ApplianceRunner(r.file(), out, err).runUntilStopped();
            case Check c -> new ApplianceRunner(c.file(), out, err).check();
            case HashPassword h -> hashPassword(in, console, out, err);
            case Version v -> {
                out.println("lb4j-appliance " + version());
                yield 0;
            }
            case Help h -> {
                out.println(CommandLine.USAGE);
                yield 0;
            }
        };
    }

    /**
     * The {@code Implementation-Version} of the jar this class came from (the build writes the project's version
     * there), or a sentence saying there is none when run from a class directory.
     */
    static String version() {
        String version = Appliance.class.getPackage().getImplementationVersion();
        return version != null ? version : "(unknown version: not run from lb4j-appliance.jar)";
    }

    /**
     * Prints the {@link PasswordHash} of a password: from the console, asked twice without echo, when there is a
     * terminal; otherwise the first line of standard input (for scripts: {@code echo "$PW" | ... hash-password}).
     */
    private static int hashPassword(InputStream in, Console console, PrintStream out, PrintStream err) {
        char[] password;
        try {
            password = console != null && console.isTerminal() ? fromConsole(console) : firstLine(in);
        } catch (IOException e) {
            err.println("lb4j: hash-password: cannot read the password: " + e.getMessage());
            return 1;
        }
        if (password == null) {
            err.println("lb4j: hash-password: the two passwords differ; nothing printed");
            return 1;
        }
        try {
            out.println(PasswordHash.of(password));
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("lb4j: hash-password: " + e.getMessage());
            return 1;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The password typed twice, or null when the two differ. */
    private static char[] fromConsole(Console console) {
        char[] first = console.readPassword("Password: ");
        char[] again = console.readPassword("Again: ");
        first = first == null ? new char[0] : first;
        again = again == null ? new char[0] : again;
        boolean same = Arrays.equals(first, again);
        Arrays.fill(again, '\0');
        if (!same) {
            Arrays.fill(first, '\0');
            return null;
        }
        return first;
    }

    private static char[] firstLine(InputStream in) throws IOException {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line == null ? new char[0] : line.toCharArray();
    }
}
