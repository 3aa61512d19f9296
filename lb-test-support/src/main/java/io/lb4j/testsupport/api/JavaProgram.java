package io.lb4j.testsupport.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a one-file Java program in a JVM of its own (the JDK's source launcher, this JVM's {@code java}), with the
 * options a user would start it with: lb4j on the module path ({@link ClassPathModules}) or on the class path, with
 * or without a flag. For what only shows in a fresh JVM: how lb4j was loaded, which JVM flags were given.
 */
public final class JavaProgram {

    private static final long TIMEOUT_SECONDS = 60;

    private JavaProgram() {
    }

    /**
     * What the program did.
     *
     * @param exitStatus its exit status
     * @param out        its standard output, without leading and trailing white space
     * @param err        its standard error (the JVM's warnings land here)
     */
    public record Result(int exitStatus, String out, String err) {
    }

    /**
     * Writes {@code source} to {@code directory} and runs it with {@code jvmOptions}; waits up to 60 s.
     *
     * @throws IllegalStateException when the program does not end in time (it is killed)
     */
    public static Result run(Path directory, String source, String... jvmOptions) throws IOException,
            InterruptedException {
        Path program = Files.writeString(directory.resolve("Program.java"), source);
        Path out = directory.resolve("program.out");
        Path err = directory.resolve("program.err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add(program.toString());
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("still running after " + TIMEOUT_SECONDS + " s: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
