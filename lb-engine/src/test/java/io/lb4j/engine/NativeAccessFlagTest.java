package io.lb4j.engine;

import io.lb4j.testsupport.api.ClassPathModules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The JVM flag that grants the packet engine native access, and the message that names it, as a user meets them:
 * each case starts a JVM that loads lb4j either from the class path or from the module path and prints
 * {@code PacketEngine.unavailabilityCause()}. On the module path the flag is
 * {@code --enable-native-access=io.lb4j.linux} (the module that binds the Linux calls), on the class path
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
class NativeAccessFlagTest {

    private static final String PROBE = """
            public class Probe {
                public static void main(String[] args) {
                    System.out.println(io.lb4j.engine.packet.PacketEngine.unavailabilityCause().orElse("available"));
                }
            }
            """;

    @TempDir
    static Path dir;

    private static Path probe;

    @BeforeAll
    static void writeProbe() throws IOException {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "AF_PACKET is Linux-only");
        probe = Files.writeString(dir.resolve("Probe.java"), PROBE);
    }

    @Test
    void onTheModulePathWithoutTheFlagTheCauseNamesTheLinuxModule() throws Exception {
        Result r = run("--module-path", ClassPathModules.modulePathArgument(), "--add-modules", "io.lb4j.engine");

        assertThat(r.out()).isEqualTo("native access not enabled: start the JVM with"
                + " --enable-native-access=io.lb4j.linux (module io.lb4j.linux is on the module path)");
    }

    @Test
    void onTheModulePathTheFlagNamingTheLinuxModuleGrantsNativeAccess() throws Exception {
        Result r = run("--module-path", ClassPathModules.modulePathArgument(), "--add-modules", "io.lb4j.engine",
                "--enable-native-access=io.lb4j.linux");

        // Available, or refused for want of CAP_NET_RAW: either way past the native-access check, without the JDK's
        // warning about a restricted method.
        assertThat(r.out()).satisfiesAnyOf(
                out -> assertThat(out).isEqualTo("available"),
                out -> assertThat(out).startsWith("AF_PACKET needs CAP_NET_RAW"));
        assertThat(r.err()).doesNotContain("restricted method");
    }

    @Test
    void onTheClassPathWithoutTheFlagTheCauseNamesAllUnnamed() throws Exception {
        Result r = run("--class-path", System.getProperty("java.class.path"));

        assertThat(r.out()).isEqualTo("native access not enabled: start the JVM with"
                + " --enable-native-access=ALL-UNNAMED (lb4j is on the class path; an executable jar can say"
                + " Enable-Native-Access: ALL-UNNAMED in its manifest instead)");
    }

    @Test
    void onTheClassPathAllUnnamedGrantsNativeAccess() throws Exception {
        Result r = run("--class-path", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED");

        assertThat(r.out()).doesNotContain("native access");
        assertThat(r.err()).doesNotContain("restricted method");
    }

    private record Result(String out, String err) {
    }

    // Runs Probe.java (the JDK's source launcher) in a new JVM with these options; its output, trimmed.
    private static Result run(String... options) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.add(probe.toString());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the probe JVM ends").isTrue();
        String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit status of %s; stderr: %s", String.join(" ", command), stderr).isZero();
        return new Result(stdout, stderr);
    }
}
