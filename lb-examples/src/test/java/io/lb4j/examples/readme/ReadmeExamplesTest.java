package io.lb4j.examples.readme;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.testkit.SimulatedEngine;
import io.lb4j.testsupport.api.ClassPathModules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The root README's Java examples cannot drift: each {@code ```java} block is a region of {@link ReadmeExamples}
 * (whitespace aside), and each region is run here and its outcome checked. The examples on {@code eth0} (the
 * balancer on the packet engine, the pair node) run as root in a network namespace of their own, with a veth
 * {@code eth0} so that nothing reaches the host's interface; without root they are only built (what the builders
 * check) and that test is skipped, saying why. The README's YAML example is checked and started by lb-appliance's
 * {@code CheckAgreesWithStartTest}.
 */
class ReadmeExamplesTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path SOURCE = Path.of("src/test/java/io/lb4j/examples/readme/ReadmeExamples.java");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION = Pattern.compile("// README:begin\\n(.*?)\\n\\s*// README:end",
            Pattern.DOTALL);

    @Test
    void everyJavaBlockOfTheReadmeIsARegionOfReadmeExamples() throws IOException {
        // Module declarations are compiled on their own (below); every other block is a region of ReadmeExamples.
        List<String> blocks = all(JAVA_BLOCK, Files.readString(README)).stream()
                .filter(b -> !b.startsWith("module ")).toList();
        List<String> regions = all(REGION, Files.readString(SOURCE));

        assertThat(regions).as("regions of ReadmeExamples vs ```java blocks of README.md").hasSameSizeAs(blocks);
        for (int i = 0; i < blocks.size(); i++) {
            assertThat(normalised(regions.get(i))).as("README.md's java block %d (%s)", i + 1,
                    blocks.get(i).lines().findFirst().orElse("")).isEqualTo(normalised(blocks.get(i)));
        }
    }

    /**
     * The README's module declaration (section "On the module path") compiles with javac against the built lb4j
     * modules, with a class that uses what it says it needs.
     */
    @Test
    void theReadmesModuleDeclarationCompilesAgainstTheBuiltModules(@TempDir Path sources) throws IOException {
        List<String> modules = all(JAVA_BLOCK, Files.readString(README)).stream()
                .filter(b -> b.startsWith("module ")).toList();
        assertThat(modules).as("module declarations in README.md").hasSize(1);
        Path moduleInfo = Files.writeString(sources.resolve("module-info.java"), modules.get(0));
        String name = modules.get(0).substring("module ".length(), modules.get(0).indexOf(' ', "module ".length()));
        Path type = Files.createDirectories(sources.resolve(name.replace('.', '/'))).resolve("Gateway.java");
        Files.writeString(type, "package " + name + ";\n\nclass Gateway {\n    void use() {\n"
                + "        io.lb4j.api.LoadBalancer.builder().engine(io.lb4j.engine.proxy.ProxyEngine.create());\n"
                + "        io.lb4j.ha.HaPair.builder();\n    }\n}\n");
        Path out = Files.createDirectories(sources.resolve("out"));
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream err = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            // An explicit, empty class path: javac would take this JVM's, where every package is visible.
            exit = ToolProvider.getSystemJavaCompiler().run(null, err, err, "-d", out.toString(), "-proc:none",
                    "--class-path", out.toString(), "--module-path", ClassPathModules.modulePathArgument(),
                    moduleInfo.toString(), type.toString());
        }
        assertThat(output.toString(StandardCharsets.UTF_8)).as("javac's output").isEmpty();
        assertThat(exit).isZero();
    }

    @Test
    void theGuidesServiceIsDirectRoutingWhichTheProxyEngineRefusesByName() {
        VirtualService pacs = ReadmeExamples.pacs();

        assertThat(pacs.method()).isEqualTo(ForwardingMethod.DIRECT_ROUTING);
        assertThat(pacs.ports()).containsExactly(104, 80, 8080, 443, 8443, 5222, 1001);
        assertThat(pacs.fallback().orElseThrow().masquerade()).isTrue();
        // What the README's balancer example says in its comments: the proxy engine refuses the service, the packet
        // engine takes it (building checks the methods; it opens nothing).
        assertThatThrownBy(() -> LoadBalancer.builder().engine(ProxyEngine.create()).service(pacs).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("service \"PACS\": forwarding method direct-routing, nat is not supported by engine"
                        + " \"proxy\" (supports: proxy)");
        LoadBalancer.builder().engine(PacketEngine.on("eth0")).service(pacs).build().stop(Duration.ZERO);
    }

    @Test
    void theGuidesFailoverHappensAfterFiveMinutesAndFiveSecondsOfVirtualTime() {
        // The example asserts the instants itself.
        ReadmeExamples.failoverInVirtualTime(ReadmeExamples.pacs());
    }

    @Test
    void theQueryCheckAsksForTheStudyOverTlsOnTheDicomTlsPortAndHasAStrategy() {
        HealthCheck check = ReadmeExamples.queryCheck();

        assertThat(check.probe()).isEqualTo(new DicomFindProbe("LB4J", "MERGEPACS", "1.2.826.0.1.3680043.2.1125.1", "",
                Optional.of(DicomTls.trusting(Path.of("/etc/lb4j/pacs-ca.pem")))));
        assertThat(check.ports().ports()).containsExactly(2762);
        VirtualService pacs = ReadmeExamples.pacs().toBuilder().healthCheck(check).build();
        LoadBalancer.builder().engine(new SimulatedEngine()).service(pacs).build().stop(Duration.ZERO);
    }

    @Test
    void thePacsCheckGivesEachPortItsProtocolAndEveryProbeHasAStrategy() {
        HealthCheck check = ReadmeExamples.pacsCheck();

        CompositeProbe probe = (CompositeProbe) check.probe();
        assertThat(probe.parts()).extracting(CompositeProbe.Part::ports)
                .containsExactly(List.of(104), List.of(80, 8080), List.of(443, 8443), List.of(1001));
        assertThat(probe.parts()).extracting(CompositeProbe.Part::probe).containsExactly(
                DicomEchoProbe.of("LB4J", "MERGEPACS"), HttpProbe.get("/"), HttpProbe.get("/").tls(true).insecure(true),
                Hl7Probe.defaults());
        assertThat(probe.otherPorts()).isEqualTo(ConnectProbe.INSTANCE);
        assertThat(check.interval()).isEqualTo(Duration.ofSeconds(30));
        // The balancer finds a strategy for every probe when it is built (nothing runs on the simulated engine).
        VirtualService pacs = ReadmeExamples.pacs().toBuilder().healthCheck(check).build();
        LoadBalancer.builder().engine(new SimulatedEngine()).service(pacs).build().stop(Duration.ZERO);
    }

    @Test
    void theBalancerAndThePairNodeRunOnEth0() throws IOException, InterruptedException {
        assumeTrue(isRoot(), "skipped: needs root (a network namespace with its own eth0)");
        // A namespace of its own, gone with the JVM: eth0 (one end of a veth pair whose other end only listens) with
        // the primary node's management address.
        String setUp = "ip link add eth0 type veth peer name peer0 && ip addr add 192.168.100.2/24 dev eth0"
                + " && ip link set peer0 up && ip link set eth0 up && ip link set lo up && exec \"$0\" \"$@\"";
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", setUp,
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED", "-Dlb4j.log.level=warn",
                ReadmeExamples.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }

        assertThat(p.exitValue()).as(out).isZero();
        // The operator's Halt fails the service over to the fallback at once; Online fails it back.
        assertThat(out.lines().filter(l -> l.startsWith("PACS: ")).toList()).as(out).containsExactly(
                "PACS: real server PrimaryCluster HALTED",
                "PACS: FAILED OVER to fallback 192.168.100.120 (PrimaryCluster halted)",
                "PACS: real server PrimaryCluster ONLINE",
                "PACS: FAILED BACK to PrimaryCluster");
        assertThat(out).contains("PACS         real servers     PrimaryCluster   192.168.100.110        UP")
                .contains("pair node: MASTER");
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** Runs of whitespace as one space: indentation and alignment may differ, the code and comments may not. */
    private static String normalised(String code) {
        return code.strip().replaceAll("\\s+", " ");
    }
}
