package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each command of the appliance run in-process through {@link Appliance#run}, with its exit status and exactly what
 * it prints. {@code --check} runs the start's prepare step, so it refuses what a start would refuse (the rules
 * themselves are {@link CheckAgreesWithStartTest}'s and the loader's tests'); {@code --config} is run as a child JVM
 * in {@link ApplianceRunnerTest}.
 */
class ApplianceCommandsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** A service on loopback that the proxy engine can forward; nothing is bound by a check. */
    private static final String LOOPBACK = """
            engine: { type: proxy, ioThreads: 1 }
            services:
              - label: ECHO
                address: 127.0.0.1
                ports: [10104]
                healthCheck: none
                realServers:
                  - { label: main, address: 127.0.0.2 }
            """;

    @Test
    void helpPrintsTheUsageToStandardOutput() {
        assertThat(run("--help")).isZero();

        assertThat(stdout()).isEqualTo(CommandLine.USAGE + "\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void aUsageErrorExitsTwoWithTheMessageAndTheUsage() {
        assertThat(run("--check", "--config")).isEqualTo(2);

        assertThat(stderr()).isEqualTo("lb4j: --config needs a FILE\n" + CommandLine.USAGE + "\n");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void noArgumentsIsAUsageError() {
        assertThat(run()).isEqualTo(2);

        assertThat(stderr()).isEqualTo("lb4j: no command given\n" + CommandLine.USAGE + "\n");
    }

    @Test
    void versionSaysWhenThereIsNoJarManifest() {
        // Tests run from target/classes; the built jar's --version is checked in the verify phase (ApplianceJarCheck).
        assertThat(run("--version")).isZero();

        assertThat(stdout()).isEqualTo("lb4j-appliance (unknown version: not run from lb4j-appliance.jar)\n");
    }

    @Test
    void checkAcceptsAValidFileInEveryArgumentOrder() throws IOException {
        Path file = Files.writeString(dir.resolve("echo.yaml"), LOOPBACK);
        String ok = "lb4j: " + file + ": OK, engine proxy, services ECHO\n";

        assertThat(run("--check", file.toString())).isZero();
        assertThat(run("--check", "--config", file.toString())).isZero();
        assertThat(run("--config", file.toString(), "--check")).isZero();

        assertThat(stdout()).isEqualTo(ok + ok + ok);
        assertThat(stderr()).isEmpty();
    }

    @Test
    void checkRefusesAForwardingMethodTheEngineCannotDo() throws IOException {
        // The README's first YAML example used to pass the check and fail at start.
        Path file = Files.writeString(dir.resolve("pacs.yaml"), """
                engine: proxy
                services:
                  - label: PACS
                    address: 192.168.100.100
                    ports: [104, 80, 8080, 443, 8443, 5222, 1001]
                    forwarding: direct-routing
                    realServers:
                      - { label: PrimaryCluster, address: 192.168.100.110, weight: 100 }
                    fallback: { address: 192.168.100.120, port: 0, masquerade: true }
                """);

        assertThat(run("--check", file.toString())).isEqualTo(2);

        assertThat(stderr()).isEqualTo("lb4j: configuration error: " + file + ": service \"PACS\": forwarding method"
                + " direct-routing, nat is not supported by engine \"proxy\" (supports: proxy)\n");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void checkRefusesTheAdminServerOnAServicePort() throws IOException {
        Path file = Files.writeString(dir.resolve("clash.yaml"), LOOPBACK + """
                admin:
                  port: 10104
                  users: [ { name: operator, passwordHash: "%s" } ]
                  tls: { selfSignedDirectory: "%s" }
                """.formatted(PasswordHash.of("s3cret".toCharArray()), dir.resolve("tls")));

        assertThat(run("--check", file.toString())).isEqualTo(2);

        assertThat(stderr()).isEqualTo("lb4j: configuration error: " + file + ": admin.port: 10104 (expected: a port"
                + " no other part of the appliance listens on; service \"ECHO\" listens on 127.0.0.1:10104/TCP)\n");
    }

    @Test
    void checkRefusesAnAdminKeyStoreItCannotRead() throws IOException {
        Path password = Files.writeString(dir.resolve("ks.password"), "changeit\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------")); // passes SecretFile
        Path keyStore = dir.resolve("missing.p12");
        Path file = Files.writeString(dir.resolve("ks.yaml"), LOOPBACK + """
                admin:
                  users: [ { name: operator, passwordHash: "%s" } ]
                  tls: { keyStore: "%s", keyStorePasswordFile: "%s" }
                """.formatted(PasswordHash.of("s3cret".toCharArray()), keyStore, password));

        assertThat(run("--check", file.toString())).isEqualTo(2);

        // The admin server's own message; its cause (NoSuchFileException) names the file once more.
        assertThat(stderr()).isEqualTo("lb4j: configuration error: " + file + ": cannot read key store " + keyStore
                + " (wrong password, or not PKCS#12?): " + keyStore + "\n");
    }

    @Test
    void hashPasswordPrintsAHashOfTheFirstLineOfStandardInput() {
        assertThat(runWithInput("s3cret\nignored\n", "hash-password")).isZero();

        String hash = stdout().strip();
        assertThat(stdout()).isEqualTo(hash + "\n");
        assertThat(hash).startsWith("pbkdf2-sha256$" + PasswordHash.ITERATIONS + "$");
        assertThat(PasswordHash.matches("s3cret".toCharArray(), hash)).isTrue();
        assertThat(PasswordHash.matches("ignored".toCharArray(), hash)).isFalse();
        assertThat(stderr()).isEmpty();
    }

    @Test
    void hashPasswordRefusesAnEmptyPassword() {
        assertThat(runWithInput("", "hash-password")).isEqualTo(1);

        assertThat(stderr()).isEqualTo("lb4j: hash-password: password: empty (expected: at least one character)\n");
        assertThat(stdout()).isEmpty();
    }

    private int run(String... args) {
        return runWithInput("", args);
    }

    private int runWithInput(String stdin, String... args) {
        return Appliance.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), null,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
