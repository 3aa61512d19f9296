package io.lb4j.engine;

import io.lb4j.testsupport.api.ClassPathModules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an embedder's module can see, compiled for real: a module {@code embedder} that requires lb4j's modules is
 * compiled with javac against the built modules. The public API compiles; an import from a package that is not
 * exported to it fails with javac's "not visible" error, so the boundaries in the module descriptors hold for every
 * module downstream, not only in review.
 */
class ModuleBoundaryTest {

    @TempDir
    Path sources;

    @Test
    void anEmbedderCompilesAgainstTheExportedApi() throws IOException {
        String result = compile("io.lb4j.engine", """
                import io.lb4j.api.LoadBalancer;
                import io.lb4j.engine.packet.PacketEngine;
                import io.lb4j.engine.proxy.ProxyEngine;
                """, "LoadBalancer.builder().engine(ProxyEngine.create()); PacketEngine.on(\"eth0\");");

        assertThat(result).isEmpty();
    }

    @ParameterizedTest(name = "requires {0}: {1} is not visible")
    @CsvSource({
            // the packet engine's hooks for a clustered pair: exported to io.lb4j.ha only
            "io.lb4j.engine,      io.lb4j.engine.packet.ha.PairHooks,  io.lb4j.engine",
            // the control plane: found as a service, never imported
            "io.lb4j.engine,      io.lb4j.engine.director.Director,    io.lb4j.engine",
            // lb-api's validation helpers (io.lb4j.engine requires io.lb4j.api transitively)
            "io.lb4j.engine,      io.lb4j.api.internal.Checks,         io.lb4j.api",
            // the Linux FFM bindings: exported to io.lb4j.engine and io.lb4j.ha only
            "io.lb4j.linux,       io.lb4j.linux.Libc,                  io.lb4j.linux",
            // the health-check monitor and event loop: exported to io.lb4j.engine only
            "io.lb4j.healthcheck, io.lb4j.healthcheck.HealthMonitor,   io.lb4j.healthcheck",
    })
    void anEmbedderCannotImportWhatIsNotExportedToIt(String required, String type, String module) throws IOException {
        String result = compile(required, "import " + type + ";\n", "");

        String pkg = type.substring(0, type.lastIndexOf('.'));
        assertThat(result).contains("error: package " + pkg + " is not visible")
                .contains("(package " + pkg + " is declared in module " + module + ", which does not export it");
    }

    /** Compiles module {@code embedder} (requiring {@code required}) with one class; javac's output, empty if none. */
    private String compile(String required, String imports, String body) throws IOException {
        Path moduleInfo = Files.writeString(sources.resolve("module-info.java"),
                "module embedder { requires " + required + "; }\n");
        Path type = Files.createDirectories(sources.resolve("embedder")).resolve("Embedder.java");
        Files.writeString(type, "package embedder;\n\n" + imports + "\nclass Embedder {\n    void use() { " + body
                + " }\n}\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            // An explicit, empty class path: javac would take this JVM's, where every package is visible.
            Path out = Files.createDirectories(sources.resolve("out"));
            int exit = javac.run(null, err, err, "-d", out.toString(), "-proc:none", "--class-path", out.toString(),
                    "--module-path", ClassPathModules.modulePathArgument(), moduleInfo.toString(), type.toString());
            String text = output.toString(StandardCharsets.UTF_8);
            assertThat(exit == 0).as("javac's exit status agrees with its output: %s", text).isEqualTo(text.isEmpty());
            return text;
        }
    }
}
