package io.lb4j.testkit;

import io.lb4j.api.spi.Cancellable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VirtualClockTest {

    private final VirtualClock clock = new VirtualClock();
    private final List<String> ran = new ArrayList<>();

    @Test
    void startsAtTheEpoch() {
        assertThat(clock.now()).isEqualTo(Instant.EPOCH);
        assertThat(clock.nanoTime()).isZero();
    }

    @Test
    void runsTasksInDueOrderThenSchedulingOrderAtTheirOwnTime() {
        clock.schedule(Duration.ofSeconds(2), () -> ran.add("b@" + clock.elapsed().toSeconds()));
        clock.schedule(Duration.ofSeconds(1), () -> ran.add("a@" + clock.elapsed().toSeconds()));
        clock.schedule(Duration.ofSeconds(2), () -> ran.add("c@" + clock.elapsed().toSeconds()));

        clock.advance(Duration.ofSeconds(5));

        assertThat(ran).containsExactly("a@1", "b@2", "c@2");
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void tasksScheduledByTasksRunInTheSameAdvanceWhenDue() {
        clock.schedule(Duration.ofSeconds(1), () ->
                clock.schedule(Duration.ofSeconds(1), () -> ran.add("nested@" + clock.elapsed().toSeconds())));

        clock.advance(Duration.ofSeconds(3));

        assertThat(ran).containsExactly("nested@2");
    }

    @Test
    void doesNotRunTasksThatAreNotYetDue() {
        clock.schedule(Duration.ofSeconds(10), () -> ran.add("late"));
        clock.advance(Duration.ofSeconds(9));
        assertThat(ran).isEmpty();
        assertThat(clock.pendingTasks()).isEqualTo(1);
    }

    @Test
    void cancelledTasksNeverRun() {
        Cancellable c = clock.schedule(Duration.ofSeconds(1), () -> ran.add("cancelled"));
        assertThat(c.cancel()).isTrue();
        assertThat(c.cancel()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(ran).isEmpty();
    }

    @Test
    void advanceUntilStopsAtTheInstantTheConditionHolds() {
        clock.schedule(Duration.ofSeconds(7), () -> ran.add("x"));
        boolean held = clock.advanceUntil(() -> !ran.isEmpty(), Duration.ofMinutes(1));
        assertThat(held).isTrue();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void advanceUntilGivesUpAtTheLimit() {
        boolean held = clock.advanceUntil(() -> false, Duration.ofSeconds(30));
        assertThat(held).isFalse();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void rejectsNegativeDelays() {
        assertThatThrownBy(() -> clock.schedule(Duration.ofSeconds(-1), () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("delay: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("duration: PT-1S (expected: >= 0)");
    }
}
