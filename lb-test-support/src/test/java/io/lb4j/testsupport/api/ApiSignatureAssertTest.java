package io.lb4j.testsupport.api;

import io.lb4j.api.LoadBalancer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The signature dump and its check, on lb-api's compiled module. */
class ApiSignatureAssertTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearUpdateProperty() {
        System.clearProperty(ApiSignatureAssert.UPDATE_PROPERTY);
    }

    @Test
    void theSignatureStartsWithTheModuleDescriptorAndListsOnlyPackagesExportedToEveryModule() {
        List<String> signature = ApiSignature.of(LoadBalancer.class);

        assertThat(signature.getFirst()).isEqualTo("module io.lb4j.api: module");
        assertThat(signature).contains("module io.lb4j.api  exports io.lb4j.api.spi",
                "module io.lb4j.api  uses io.lb4j.api.spi.LoadBalancerProvider",
                "io.lb4j.api.LoadBalancer  public static io.lb4j.api.LoadBalancer$Builder builder()");
        // io.lb4j.api.internal is not exported: neither its types nor their members appear.
        assertThat(signature).noneMatch(line -> line.startsWith("io.lb4j.api.internal."));
    }

    @Test
    void aMatchingFilePasses() throws IOException {
        Path file = Files.write(dir.resolve("api-signature.txt"), ApiSignature.of(LoadBalancer.class));

        assertThatCode(() -> ApiSignatureAssert.assertMatches(LoadBalancer.class, file)).doesNotThrowAnyException();
    }

    @Test
    void aDifferenceFailsWithTheChangedLinesAndTheCommandThatAcceptsIt() throws IOException {
        List<String> lines = new ArrayList<>(ApiSignature.of(LoadBalancer.class));
        String builder = "io.lb4j.api.LoadBalancer  public static io.lb4j.api.LoadBalancer$Builder builder()";
        lines.remove(builder);                                        // the code has a method the file lacks
        lines.add("io.lb4j.api.LoadBalancer  public void removed()"); // and lacks one the file has
        Path file = Files.write(dir.resolve("api-signature.txt"), lines);

        assertThatThrownBy(() -> ApiSignatureAssert.assertMatches(LoadBalancer.class, file))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("the public API of module io.lb4j.api is not " + file)
                .hasMessageContaining("\n- io.lb4j.api.LoadBalancer  public void removed()\n")
                .hasMessageContaining("\n+ " + builder + "\n")
                .hasMessageContaining("-Dtest=ApiSignatureAssertTest")
                .hasMessageContaining("-Dlb4j.updateApiSignature=true");
    }

    @Test
    void theUpdatePropertyRewritesTheFileInsteadOfComparing() throws IOException {
        Path file = Files.writeString(dir.resolve("api-signature.txt"), "stale\n");
        System.setProperty(ApiSignatureAssert.UPDATE_PROPERTY, "true");

        ApiSignatureAssert.assertMatches(LoadBalancer.class, file);

        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).isEqualTo(ApiSignature.of(LoadBalancer.class));
    }

    @Test
    void aLocationWithoutAModuleDescriptorIsRefusedWithTheReason() {
        // This test's own classes: a directory on the class path with no module-info.class.
        assertThatThrownBy(() -> ApiSignature.of(ApiSignatureAssertTest.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("test-classes: no module-info.class (expected: the compiled module holding "
                        + "io.lb4j.testsupport.api.ApiSignatureAssertTest; the signature covers what its module "
                        + "descriptor exports)");
    }
}
