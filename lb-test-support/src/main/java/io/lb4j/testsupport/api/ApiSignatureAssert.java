package io.lb4j.testsupport.api;

import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pins a module's public API to its checked-in {@code api-signature.txt}, so that an accidental change fails a test
 * and an intended one shows in review, in the same commit. A module's test is one line:
 *
 * <pre>{@code
 * @Test
 * void thePublicApiIsExactlyTheCheckedInSignature() {
 *     ApiSignatureAssert.assertMatches(PacketEngine.class, Path.of("api-signature.txt"));
 * }
 * }</pre>
 *
 * <p>On a difference it fails with the lines removed ({@code -}) and added ({@code +}) and the command that accepts
 * the change: the same test run with {@code -Dlb4j.updateApiSignature=true}, which rewrites the file instead of
 * comparing. The signature it computed is also written to {@code target/<module>.api-signature.txt}.
 */
public final class ApiSignatureAssert {

    /** The system property that makes {@link #assertMatches} rewrite the checked-in file instead of comparing. */
    public static final String UPDATE_PROPERTY = "lb4j.updateApiSignature";

    private ApiSignatureAssert() {
    }

    /**
     * Compares the {@link ApiSignature} of the module holding {@code anyClassOfTheModule} with {@code checkedIn}, or
     * rewrites {@code checkedIn} when {@value #UPDATE_PROPERTY} is {@code true}.
     *
     * @param checkedIn the module's {@code api-signature.txt}, relative to the test's working directory (the
     *                  module's directory when Maven runs it)
     * @throws AssertionFailedError when they differ, with the difference and how to accept it
     * @throws UncheckedIOException when a file cannot be read or written
     */
    public static void assertMatches(Class<?> anyClassOfTheModule, Path checkedIn) {
        Class<?> test = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        List<String> actual = ApiSignature.of(anyClassOfTheModule);
        String module = actual.getFirst().substring("module ".length(), actual.getFirst().indexOf(':'));
        Path copy = Path.of("target", module + ".api-signature.txt");
        try {
            Files.createDirectories(copy.getParent());
            Files.write(copy, actual, StandardCharsets.UTF_8);
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.write(checkedIn, actual, StandardCharsets.UTF_8);
                return;
            }
            List<String> expected = Files.exists(checkedIn)
                    ? Files.readAllLines(checkedIn, StandardCharsets.UTF_8) : List.of();
            if (!expected.equals(actual)) {
                throw new AssertionFailedError(report(module, checkedIn, copy, test, expected, actual),
                        String.join("\n", expected), String.join("\n", actual));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String report(String module, Path checkedIn, Path copy, Class<?> test, List<String> expected,
                                 List<String> actual) {
        Set<String> was = new HashSet<>(expected);
        Set<String> is = new HashSet<>(actual);
        List<String> diff = new ArrayList<>();
        expected.stream().filter(line -> !is.contains(line)).forEach(line -> diff.add("- " + line));
        actual.stream().filter(line -> !was.contains(line)).forEach(line -> diff.add("+ " + line));
        Path file = checkedIn.toAbsolutePath().normalize();
        Path moduleDirectory = Path.of("").toAbsolutePath().getFileName();
        StringBuilder b = new StringBuilder("the public API of module ").append(module).append(" is not ")
                .append(file).append(' ');
        if (diff.isEmpty()) {
            b.append("(same lines in another order: the file was edited by hand)\n");
        } else {
            b.append("(- only in the file, + only in the code):\n");
            diff.forEach(line -> b.append(line).append('\n'));
        }
        return b.append("If the change is intended, regenerate the file and commit it with the change:\n  mvn -o -pl ")
                .append(moduleDirectory).append(" -am test -Dtest=").append(test.getSimpleName())
                .append(" -Dsurefire.failIfNoSpecifiedTests=false -D").append(UPDATE_PROPERTY).append("=true\n")
                .append("(or copy ").append(copy.toAbsolutePath()).append(" over it)").toString();
    }
}
