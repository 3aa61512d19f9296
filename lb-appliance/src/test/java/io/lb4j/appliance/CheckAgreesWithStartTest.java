package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import io.lb4j.api.VirtualService;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.config.ConfigException;
import io.lb4j.appliance.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --check F} and starting {@code F} agree, for every example file in {@code lb-appliance/config/} and every
 * {@code ```yaml} block of the root {@code README.md}: each is accepted by both (every one of them is meant to be
 * valid), and the deliberately broken variants at the end are refused by both with the same message.
 *
 * <p>What "starting" means here: a file whose every listener is local and unprivileged (proxy engine, loopback VIPs
 * on ports from 1024, no {@code ha:}) is started in-process for real, binding its ports, then stopped. The others name
 * a deployment's addresses (192.168.100.x), privileged ports, {@code eth0}, raw sockets and {@code /etc/lb4j}: they
 * cannot start on a build machine, and must not try to (a packet engine on the host's interface, health checks to
 * addresses outside the test). For them "start" is the start's prepare step ({@link PreparedAppliance#prepare}),
 * everything a start does before binding; it binds nothing, which is exactly what {@code --check} runs. The pair files'
 * {@code /etc/lb4j/ha.secret} is pointed at a secret made here.
 */
class CheckAgreesWithStartTest {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void everyExampleFileIsAcceptedByTheCheckAndTheStart() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("config"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("manual-failover.yaml",
                "mergepacs-loopback.yaml", "mergepacs-pair-primary.yaml", "mergepacs-pair-secondary.yaml",
                "mergepacs-per-port-checks.yaml", "mergepacs.yaml");
        for (Path file : files) {
            assertAgree(withTestSecret(file.getFileName().toString(), Files.readString(file)));
        }
    }

    @Test
    void everyYamlExampleOfTheReadmeIsAcceptedByTheCheckAndTheStart() throws IOException {
        List<String> blocks = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).as("the README's YAML examples").isNotEmpty();
        for (int i = 0; i < blocks.size(); i++) {
            assertAgree(withTestSecret("readme-" + (i + 1) + ".yaml", blocks.get(i)));
        }
    }

    @Test
    void aFileThatCannotRunIsRefusedByBothWithOneMessage() throws IOException {
        // Refused by the loader (with a line and column), by the LoadBalancer builder, and by the listener check.
        String loopback = """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: ECHO
                    address: 127.0.0.1
                    ports: [%d]
                    forwarding: %s
                    healthCheck: none
                    realServers: [ { label: main, address: 127.0.0.2, port: %d } ]
                """;
        assertRefusedAlike(Files.writeString(dir.resolve("port.yaml"), loopback.formatted(70000, "proxy", 9)),
                "port.yaml:5:13: ports: 70000 (expected: 1-65535)");
        assertRefusedAlike(Files.writeString(dir.resolve("method.yaml"), loopback.formatted(10104, "nat", 0)),
                "method.yaml: service \"ECHO\": forwarding method nat is not supported by engine \"proxy\""
                        + " (supports: proxy)");
        assertRefusedAlike(Files.writeString(dir.resolve("clash.yaml"), loopback.formatted(10104, "proxy", 9) + """
                admin:
                  port: 10104
                  users: [ { name: operator, passwordHash: "%s" } ]
                  tls: { selfSignedDirectory: "%s" }
                """.formatted(PasswordHash.of("s3cret".toCharArray()), dir.resolve("tls"))),
                "clash.yaml: admin.port: 10104 (expected: a port no other part of the appliance listens on; service"
                        + " \"ECHO\" listens on 127.0.0.1:10104/TCP)");
    }

    /** Checks and starts {@code file}, which must be valid: both accept it, and the check says so in one line. */
    private void assertAgree(Path file) {
        Outcome check = new Outcome();
        int checked = new ApplianceRunner(file, check.out, check.err).check();
        Outcome start = new Outcome();
        int started = startable(file) ? startAndStop(file, start) : prepare(file, start);

        assertThat(checked).as("check of %s: %s", file, check.err()).isZero();
        assertThat(started).as("start of %s: %s", file, start.err()).isZero();
        assertThat(check.out()).as(file.toString()).startsWith("lb4j: " + file + ": OK, engine ");
        assertThat(check.err()).as(file.toString()).isEmpty();
    }

    /**
     * Checks and starts {@code file}, a local one that must not run: both refuse it with {@code problem} (after
     * {@code lb4j: configuration error: } and the directory), the start adding that it started nothing.
     */
    private void assertRefusedAlike(Path file, String problem) {
        assertThat(startable(file)).as("%s is local: its start is a real one", file).isTrue();
        Outcome check = new Outcome();
        int checked = new ApplianceRunner(file, check.out, check.err).check();
        Outcome start = new Outcome();
        int started = startAndStop(file, start);

        assertThat(checked).isEqualTo(2);
        assertThat(started).isEqualTo(2);
        assertThat(check.err()).isEqualTo("lb4j: configuration error: " + dir.resolve(problem) + "\n");
        assertThat(start.err()).isEqualTo(check.err() + "lb4j: nothing started\n");
        assertThat(check.out()).isEmpty();
        assertThat(start.out()).isEmpty();
    }

    private static int startAndStop(Path file, Outcome outcome) {
        ApplianceRunner runner = new ApplianceRunner(file, outcome.out, outcome.err);
        int status = runner.start();
        if (status == 0) {
            runner.stop(Duration.ZERO);
        }
        return status;
    }

    /** The start's steps up to binding, for a valid file this machine cannot start: loads and prepares it. */
    private static int prepare(Path file, Outcome outcome) {
        PreparedAppliance.prepare(ConfigLoader.load(file), new Object(), outcome.out, outcome.err).stop(Duration.ZERO);
        return 0;
    }

    /**
     * Proxy engine, loopback VIPs on unprivileged ports with loopback backends, no pair, an admin server (if any) on
     * loopback: starting it touches nothing outside this machine's loopback.
     */
    private static boolean startable(Path file) {
        ApplianceConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            return true; // refused before anything starts either way
        }
        return config.engine().type().equals("proxy") && config.ha().isEmpty()
                && config.admin().map(a -> InetAddress.ofLiteral(a.address()).isLoopbackAddress()).orElse(true)
                && config.services().stream().allMatch(CheckAgreesWithStartTest::local);
    }
    private static boolean local(VirtualService s) {
        InetAddress a = s.address();
        return a.isLoopbackAddress() && s.ports().stream().allMatch(p -> p >= 1024)
                && s.realServers().stream().allMatch(r -> r.address().isLoopbackAddress())
                && s.fallback().map(f -> f.address().isLoopbackAddress()).orElse(true);
    }

    /**
     * The text as a file here, its {@code /etc/lb4j/ha.secret} and {@code /etc/lb4j/smtp.secret} pointing at secrets
     * made here.
     */
    private Path withTestSecret(String name, String text) throws IOException {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only
        Path smtp = Files.writeString(dir.resolve("smtp.secret"), "smtp-password\n");
        Files.setPosixFilePermissions(smtp, PosixFilePermissions.fromString("rw-------"));
        return Files.writeString(dir.resolve(name), text.replace("/etc/lb4j/ha.secret", secret.toString())
                .replace("/etc/lb4j/cluster.secret", secret.toString())
                .replace("/etc/lb4j/smtp.secret", smtp.toString()));
    }

    /** What one run printed. */
    private static final class Outcome {
        private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

        String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }
    }
}
