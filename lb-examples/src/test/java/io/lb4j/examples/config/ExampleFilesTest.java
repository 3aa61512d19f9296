package io.lb4j.examples.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ExampleFilesTest {

    @Test
    void everyShippedExampleFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("config"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }

        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("manual-failover.yaml", "mergepacs-loopback.yaml", "mergepacs.yaml");
        for (Path file : files) {
            assertThat(ConfigLoader.load(file).services()).as(file.toString()).hasSize(1);
        }
    }
}
