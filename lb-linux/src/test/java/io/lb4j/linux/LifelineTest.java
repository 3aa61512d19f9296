package io.lb4j.linux;

import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link Lifeline} in a child JVM inside a namespace of the test's own: the interface is there and up while the
 * process holds it, gone when it closes it, and gone when the process is SIGKILLed; a second holder of the same name
 * gets a clear error. Root only.
 */
class LifelineTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    static NetnsLab lab;
    static Host host;

    @BeforeAll
    static void createNamespace() {
        Optional<String> why = NetnsLab.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: network namespaces: " + why.orElseThrow());
        Optional<String> noTun = NetnsLab.tunUnavailable();
        Assumptions.assumeTrue(noTun.isEmpty(), () -> "skipped: " + noTun.orElseThrow());
        lab = NetnsLab.builder("lb4jlife").host("u", "10.216.0.1/24").build();
        host = lab.host("u");
    }

    @AfterAll
    static void removeNamespace() {
        if (lab != null) {
            lab.close();
            assertThat(lab.leftovers()).isEmpty();
        }
    }

    @Test
    void theInterfaceLivesWhileTheProcessHoldsItAndGoesWhenItClosesOrDies() {
        ChildProcess holder = host.startJava(Holder.class, "lb4j0");
        assertThat(holder.await(0, l -> l.equals("READY") || l.startsWith("FAILED"), LIMIT)
                .map(ChildProcess.Line::text)).as(holder::text).contains("READY");
        assertThat(host.run("ip", "link", "show", "lb4j0")).contains("lb4j0", "UP");
        assertThat(holder.ask("second", LIMIT)).as("the same name, held").startsWith("FAILED")
                .contains("ioctl(TUNSETIFF) for lb4j0");
        assertThat(holder.ask("close", LIMIT)).isEqualTo("OK closed");
        assertThat(awaitGone()).as("gone after close()").isTrue();

        ChildProcess killed = host.startJava(Holder.class, "lb4j0");
        assertThat(killed.await(0, l -> l.equals("READY") || l.startsWith("FAILED"), LIMIT)
                .map(ChildProcess.Line::text)).as(killed::text).contains("READY");
        killed.kill();
        assertThat(awaitGone()).as("gone after SIGKILL").isTrue();
        holder.close();
    }

    private static boolean awaitGone() {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (host.attempt("ip", "link", "show", "lb4j0").exitCode() == 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code Holder NAME}: opens the lifeline, prints READY, then answers {@code second} and {@code close}. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            Lifeline lifeline;
            try {
                lifeline = Lifeline.open(args[0]);
            } catch (LinuxException e) {
                System.out.println("FAILED " + e.getMessage());
                return;
            }
            System.out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                switch (line) {
                    case "second" -> {
                        try (Lifeline again = Lifeline.open(args[0])) {
                            System.out.println("OK opened " + again.name());
                        } catch (LinuxException e) {
                            System.out.println("FAILED " + e.getMessage());
                        }
                    }
                    case "close" -> {
                        lifeline.close();
                        System.out.println("OK closed");
                    }
                    default -> System.out.println("FAILED unknown command " + line);
                }
            }
        }
    }
}
