package io.lb4j.testsupport.process;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChildProcessTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    /** A command-driven program in the lab's protocol: noise, then one OK line per command. */
    private static ChildProcess echoing() {
        return ChildProcess.start("echoing", List.of("sh", "-c",
                "echo READY; while read l; do echo noise; echo \"OK $l\"; done"));
    }

    @Test
    void askSkipsOtherLinesAndReturnsTheAnswerToEachCommandInTurn() {
        try (ChildProcess p = echoing()) {
            assertThat(p.next("READY"::equals, ANSWER)).isEqualTo("READY");
            assertThat(p.ask("one", ANSWER)).isEqualTo("OK one");
            assertThat(p.ask("two", ANSWER)).isEqualTo("OK two");
            assertThat(p.transcript()).containsExactly("READY", "noise", "OK one", "noise", "OK two");
        }
    }

    @Test
    void awaitSearchesFromTheGivenIndexAndStampsLinesInReadOrder() {
        try (ChildProcess p = ChildProcess.start("lines", List.of("sh", "-c", "echo a; echo b; echo a; sleep 60"))) {
            ChildProcess.Line second = p.await(1, "a"::equals, ANSWER).orElseThrow();
            assertThat(p.lines().indexOf(second)).isEqualTo(2);
            assertThat(p.lines().get(0).nanos()).isLessThanOrEqualTo(second.nanos());
            assertThat(p.await(3, "a"::equals, Duration.ofMillis(50))).isEmpty();
        }
    }

    @Test
    void awaitReturnsEmptyAtOnceWhenTheOutputEndsWithoutAMatch() {
        try (ChildProcess p = ChildProcess.start("short", List.of("sh", "-c", "echo only"))) {
            long start = System.nanoTime();
            assertThat(p.await(0, "never"::equals, Duration.ofSeconds(30))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(p.awaitExit(ANSWER)).isZero();
        }
    }

    @Test
    void nextFailsWithTheTranscriptWhenNoLineMatchesInTime() {
        try (ChildProcess p = ChildProcess.start("quiet", List.of("sh", "-c", "echo hello; sleep 60"))) {
            assertThatThrownBy(() -> p.next("bye"::equals, Duration.ofMillis(100)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("quiet: no matching line within PT0.1S; alive=true; output:\n")
                    .hasMessageEndingWith(" hello\n");
        }
    }

    @Test
    void closeEndsTheProgramAndTheProcessesItStarted() {
        ChildProcess p = ChildProcess.start("parent", List.of("sh", "-c", "sleep 600 & echo $!; wait"));
        long child = Long.parseLong(p.next(l -> l.matches("\\d+"), ANSWER));
        assertThat(ProcessHandle.of(child)).isPresent();

        p.close();

        assertThat(p.isAlive()).isFalse();
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (running(child)) {
            assertThat(System.nanoTime() - deadline).as("the child sleep %d ended", child).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // paces the polling on a shared machine
        }
    }

    /** Whether {@code pid} runs: exists and is no zombie waiting for init to reap it. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void awaitExitReturnsTheExitStatus() {
        try (ChildProcess p = ChildProcess.start("exit", List.of("sh", "-c", "echo bye; exit 3"))) {
            assertThat(p.awaitExit(ANSWER)).isEqualTo(3);
            assertThat(p.transcript()).containsExactly("bye");
        }
    }

    @Test
    void awaitListeningFailsWithTheOutputWhenTheProgramExitsFirst() {
        try (ChildProcess p = ChildProcess.start("crash", List.of("sh", "-c", "echo cannot bind; exit 1"))) {
            assertThatThrownBy(() -> p.awaitListening(new InetSocketAddress("127.0.0.1", 1), ANSWER))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("crash exited with 1 before /127.0.0.1:1 accepted connections; output:\n");
        }
    }
}
