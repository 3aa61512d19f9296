package io.lb4j.appliance;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package {@code target/lb4j_VERSION_all.deb} as the build made it (jdeb, {@code src/deb}): its control
 * fields, files and conffiles, its systemd unit ({@code systemd-analyze verify}), and the unit's {@code ExecStart}
 * command line run from the unpacked package against the shipped {@code /etc/lb4j/lb4j.yaml} (its address moved to
 * 127.0.0.1 and its ports to free ones) and the shipped {@code /etc/lb4j/logback.xml}: the appliance starts, listens
 * and logs to its file, and stops on SIGTERM. Run by surefire's {@code built-jar} execution in the {@code verify}
 * phase; needs {@code dpkg-deb} (skipped without, saying so). {@code .ci/run} then installs the package with
 * {@code dpkg -i} and runs the installed command.
 */
class DebianPackageTest {

    private static final String DIR_PROPERTY = "lb4j.deb.dir";
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static Path deb;

    @BeforeAll
    static void findThePackage() throws IOException {
        assumeTrue(System.getProperty(DIR_PROPERTY) != null,
                "skipped: checks the built .deb in the verify phase (surefire's built-jar execution)");
        try (Stream<Path> files = Files.list(Path.of(System.getProperty(DIR_PROPERTY)))) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("lb4j_.*_all\\.deb")).toList();
            assertThat(debs).as("the package jdeb builds in the package phase").hasSize(1);
            deb = debs.getFirst();
        }
        assumeTrue(onPath("dpkg-deb"), "skipped: no dpkg-deb on this machine to read " + deb);
    }

    @Test
    void controlFieldsNameTheRuntimeAndTheUser() throws Exception {
        String control = run("dpkg-deb", "--field", deb.toString());
        assertThat(control).contains("Package: lb4j\n", "Architecture: all\n",
                "Depends: adduser, openjdk-25-jre-headless | temurin-25-jre | temurin-25-jdk | java25-runtime-headless\n");
        assertThat(run("dpkg-deb", "--info", deb.toString(), "conffiles").lines().toList())
                .containsExactlyInAnyOrder("/etc/lb4j/lb4j.yaml", "/etc/lb4j/logback.xml", "/etc/default/lb4j");
        assertThat(run("dpkg-deb", "--info", deb.toString(), "postinst"))
                .contains("adduser --system --group").contains("/var/lib/lb4j /var/log/lb4j");
    }

    @Test
    void installsTheJarTheUnitTheConfigurationAndTheSbom() throws Exception {
        // dpkg-deb --contents: "mode owner/group size date time ./path[ -> target]"
        Map<String, String> modes = run("dpkg-deb", "--contents", deb.toString()).lines()
                .map(l -> l.split("\\s+"))
                .collect(Collectors.toMap(f -> f[5].substring(1), f -> f[0], (a, b) -> a));
        assertThat(modes).containsEntry("/usr/share/lb4j/lb4j-appliance.jar", "-rw-r--r--")
                .containsEntry("/usr/share/lb4j/bin/lb4j", "-rwxr-xr-x")
                .containsEntry("/lib/systemd/system/lb4j.service", "-rw-r--r--")
                .containsEntry("/usr/share/lb4j/systemd/lb4j-network-admin.conf", "-rw-r--r--")
                // It may hold password hashes and the pair's secret: not for every local user.
                .containsEntry("/etc/lb4j/lb4j.yaml", "-rw-r-----")
                .containsEntry("/etc/lb4j/logback.xml", "-rw-r-----")
                .containsEntry("/usr/share/doc/lb4j/copyright", "-rw-r--r--")
                .containsEntry("/usr/share/doc/lb4j/sbom.cyclonedx.json", "-rw-r--r--");
        assertThat(run("dpkg-deb", "--contents", deb.toString())).contains("./usr/bin/lb4j -> /usr/share/lb4j/bin/lb4j");
    }

    @Test
    void theUnitIsHardenedAndPassesSystemdAnalyze(@TempDir Path root) throws Exception {
        run("dpkg-deb", "-x", deb.toString(), root.toString());
        Path unit = root.resolve("lib/systemd/system/lb4j.service");
        List<String> lines = Files.readAllLines(unit);
        assertThat(lines).contains("User=lb4j", "NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true",
                "ReadWritePaths=/var/lib/lb4j /var/log/lb4j",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE");
        assertThat(Files.readAllLines(root.resolve("usr/share/lb4j/systemd/lb4j-network-admin.conf")))
                .contains("AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN");
        assumeTrue(onPath("systemd-analyze"), "no systemd-analyze: the unit's syntax is not verified here");
        // The unit as installed, its ExecStart pointing into the unpacked package (systemd-analyze checks it exists).
        Path copy = Files.createDirectories(root.resolve("verify")).resolve("lb4j.service");
        Files.writeString(copy, Files.readString(unit)
                .replace("ExecStart=/usr/share/lb4j/", "ExecStart=" + root + "/usr/share/lb4j/"));
        ProcessResult verify = exec(List.of("systemd-analyze", "verify", copy.toString()), Map.of());
        // Unknown keys and bad values are warnings, exit status 0: the output must be silent about the unit too.
        assertThat(verify.status()).as(verify.output()).isZero();
        assertThat(verify.output()).doesNotContain("lb4j.service");
    }

    @Test
    void theUnitsCommandStartsTheApplianceWithTheShippedFiles(@TempDir Path root, @TempDir Path work)
            throws Exception {
        run("dpkg-deb", "-x", deb.toString(), root.toString());
        List<String> execStart = Files.readAllLines(root.resolve("lib/systemd/system/lb4j.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).map(l -> l.substring("ExecStart=".length()))
                .map(l -> Arrays.asList(l.split(" "))).findFirst().orElseThrow();
        assertThat(execStart).containsExactly("/usr/share/lb4j/bin/lb4j", "--config", "/etc/lb4j/lb4j.yaml");

        // The shipped file is the appliance guide's service on 192.168.100.100, ports 104, 80, ...: here on
        // 127.0.0.1 and free ports, everything else as shipped.
        String shipped = Files.readString(root.resolve("etc/lb4j/lb4j.yaml"));
        List<Integer> ports = freePorts(7);
        String address = "address: 192.168.100.100";
        Matcher portList = Pattern.compile("ports: \\[[0-9, ]+]").matcher(shipped);
        assertThat(shipped).contains(address);
        assertThat(portList.find()).as("a ports list in %s", shipped).isTrue();
        Path config = work.resolve("lb4j.yaml");
        Files.writeString(config, portList.replaceFirst("ports: " + ports).replace(address, "address: 127.0.0.1"));

        Path logDir = work.resolve("log");
        List<String> command = new ArrayList<>(List.of(root + execStart.get(0), execStart.get(1), config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LB4J_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("LB4J_JAVA_OPTS", "-Dlogback.configurationFile=" + root.resolve("etc/lb4j/logback.xml")
                + " -Dlb4j.log.dir=" + logDir + " -Dlb4j.syslog.host=127.0.0.1");
        try (ApplianceProcess appliance = new ApplianceProcess(pb.start())) {
            appliance.awaitStdoutContains("lb4j: running", LIMIT);
            assertThat(appliance.stdout()).contains("from " + config);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.getFirst()), 5_000);
            }
            assertThat(logDir.resolve("lb4j.log")).as("the shipped logback.xml's log file").exists();
            // The launcher execs the JVM: the signal reaches the appliance, which drains and exits as JVMs do.
            appliance.signal("TERM");
            assertThat(appliance.awaitExit(LIMIT)).isEqualTo(143);
            assertThat(appliance.stdout()).contains("lb4j: stopped");
        }
    }

    @Test
    void theLauncherFindsAJava25RuntimeUnderUsrLibJvm(@TempDir Path root) throws Exception {
        boolean java25 = false;
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path home : homes.toList()) {
                Path release = home.resolve("release");
                if (Files.isReadable(release)) {
                    Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
                    java25 |= m.find() && Integer.parseInt(m.group(1)) >= 25;
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no /usr/lib/jvm
        }
        assumeTrue(java25, "no JDK 25 or later under /usr/lib/jvm for the launcher to find");
        run("dpkg-deb", "-x", deb.toString(), root.toString());
        ProcessBuilder pb = new ProcessBuilder(root + "/usr/share/lb4j/bin/lb4j", "--version").redirectErrorStream(true);
        pb.environment().remove("LB4J_JAVA");
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("lb4j-appliance ");
    }

    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private record ProcessResult(int status, String output) {
    }

    private static ProcessResult exec(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " still running after " + LIMIT);
        }
        return new ProcessResult(p.exitValue(), out);
    }

    private static String run(String... command) throws Exception {
        ProcessResult r = exec(List.of(command), Map.of());
        assertThat(r.status()).as("%s: %s", String.join(" ", command), r.output()).isZero();
        return r.output();
    }
}
