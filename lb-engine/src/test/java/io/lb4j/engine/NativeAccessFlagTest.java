package io.lb4j.engine;

import io.lb4j.testsupport.api.ClassPathModules;
import io.lb4j.testsupport.api.JavaProgram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

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
    Path dir;

    @BeforeAll
    static void onLinux() {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "AF_PACKET is Linux-only");
    }

    @Test
    void onTheModulePathWithoutTheFlagTheCauseNamesTheLinuxModule() throws Exception {
        JavaProgram.Result r = probe("--module-path", ClassPathModules.modulePathArgument(),
                "--add-modules", "io.lb4j.engine");

        assertThat(r.out()).isEqualTo("native access not enabled: start the JVM with"
                + " --enable-native-access=io.lb4j.linux (module io.lb4j.linux is on the module path)");
    }

    @Test
    void onTheModulePathTheFlagNamingTheLinuxModuleGrantsNativeAccess() throws Exception {
        JavaProgram.Result r = probe("--module-path", ClassPathModules.modulePathArgument(),
                "--add-modules", "io.lb4j.engine", "--enable-native-access=io.lb4j.linux");

        // Available, or refused for want of CAP_NET_RAW: either way past the native-access check, and without the
        // JDK's warning about a restricted method (the probe opened an AF_PACKET socket through io.lb4j.linux).
        assertThat(r.out()).satisfiesAnyOf(
                out -> assertThat(out).isEqualTo("available"),
                out -> assertThat(out).startsWith("AF_PACKET needs CAP_NET_RAW"));
        assertThat(r.err()).doesNotContain("restricted method");
    }

    @Test
    void onTheClassPathWithoutTheFlagTheCauseNamesAllUnnamed() throws Exception {
        JavaProgram.Result r = probe("--class-path", System.getProperty("java.class.path"));

        assertThat(r.out()).isEqualTo("native access not enabled: start the JVM with"
                + " --enable-native-access=ALL-UNNAMED (lb4j is on the class path; an executable jar can say"
                + " Enable-Native-Access: ALL-UNNAMED in its manifest instead)");
    }

    @Test
    void onTheClassPathAllUnnamedGrantsNativeAccess() throws Exception {
        JavaProgram.Result r = probe("--class-path", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED");

        assertThat(r.out()).doesNotContain("native access");
        assertThat(r.err()).doesNotContain("restricted method");
    }

    private JavaProgram.Result probe(String... jvmOptions) throws Exception {
        JavaProgram.Result r = JavaProgram.run(dir, PROBE, jvmOptions);
        assertThat(r.exitStatus()).as("the probe's exit status; its stderr: %s", r.err()).isZero();
        return r;
    }
}
