package io.lb4j.appliance;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded {@code target/lb4j-appliance.jar}, as the build made it: run by surefire's {@code built-jar} execution in
 * the {@code verify} phase (see {@code lb-appliance/pom.xml}), which passes the jar's path and the project's version.
 * Skipped when run otherwise (a {@code -Dtest} pattern in the {@code test} phase, an IDE): the jar may be missing or
 * older than the code.
 */
class BuiltJarTest {

    private static final String JAR_PROPERTY = "lb4j.appliance.jar";
    private static final Path JAR = Path.of(System.getProperty(JAR_PROPERTY, "target/lb4j-appliance.jar"));
    private static final String VERSION = System.getProperty("lb4j.version", "");

    @BeforeAll
    static void onlyInTheVerifyPhase() {
        assumeTrue(System.getProperty(JAR_PROPERTY) != null,
                "skipped: checks the shaded jar in the verify phase (surefire's built-jar execution)");
    }

    @Test
    void holdsNoTestLibraryAndCarriesTheVersion() throws IOException {
        assertThat(JAR).as("the shaded jar; built by `mvn verify`").exists();

        assertThat(ApplianceJarCheck.problems(JAR, VERSION)).as(JAR.toString()).isEmpty();
    }

    @Test
    void carriesNettysNativeIoUringAndEpollLibrariesWhereNettyLoadsThem() throws IOException {
        // The proxy engine's default transport is the fastest one that loads: without these it would run on NIO.
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (String arch : List.of("x86_64", "aarch_64")) {
                assertThat(jar.getEntry("META-INF/native/libnetty_transport_native_io_uring42_" + arch + ".so"))
                        .as("io_uring for %s", arch).isNotNull();
                assertThat(jar.getEntry("META-INF/native/libnetty_transport_native_epoll_" + arch + ".so"))
                        .as("epoll for %s", arch).isNotNull();
            }
        }
    }

    @Test
    void versionPrintsTheManifestsVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-jar",
                JAR.toString(), "--version").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("lb4j-appliance " + VERSION + "\n");
    }
}
