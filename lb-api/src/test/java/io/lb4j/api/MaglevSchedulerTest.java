package io.lb4j.api;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static io.lb4j.api.SchedulerTest.backend;
import static io.lb4j.api.SchedulerTest.full;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Maglev consistent hashing: balance, minimal disruption, agreement between balancers, table-size rules. */
class MaglevSchedulerTest {

    private static final int M = 65537;
    private final Scheduler mh = Scheduler.maglev();

    private static List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(backend("real-" + i, 100));
        }
        return list;
    }

    /** Keys 0..M-1 land on slots 0..M-1, so this counts the slots each backend owns. */
    private static Map<String, Integer> slotsPerBackend(Selector s) {
        Map<String, Integer> slots = new HashMap<>();
        for (int key = 0; key < M; key++) {
            slots.merge(s.select(key).label(), 1, Integer::sum);
        }
        return slots;
    }

    @ParameterizedTest(name = "{0} backends")
    @ValueSource(ints = {2, 3, 5, 10})
    void equalWeightsOwnEqualSharesOfTheTableWithinOnePercent(int n) {
        Map<String, Integer> slots = slotsPerBackend(mh.newSelector(backends(n)));
        double ideal = (double) M / n;
        assertThat(slots).hasSize(n);
        slots.forEach((label, count) ->
                assertThat((double) count).as(label).isCloseTo(ideal, within(ideal * 0.01)));
    }

    @ParameterizedTest(name = "{0} backends")
    @ValueSource(ints = {2, 3, 5, 10})
    void removingOneBackendMovesLittleMoreThanItsOwnClients(int n) {
        List<Backend> all = backends(n);
        List<Backend> fewer = new ArrayList<>(all);
        Backend removed = fewer.remove(n / 2);
        Selector before = mh.newSelector(all);
        Selector after = mh.newSelector(fewer);

        int movedSlots = 0;
        for (int key = 0; key < M; key++) {
            Backend was = before.select(key);
            Backend now = after.select(key);
            assertThat(now).isNotSameAs(removed);
            if (was != now) {
                movedSlots++;
            }
        }
        assertThat((double) movedSlots).isLessThanOrEqualTo(1.2 * M / n);

        SplittableRandom random = new SplittableRandom(11);
        int movedKeys = 0;
        for (int i = 0; i < 1_000_000; i++) {
            long key = random.nextLong();
            if (before.select(key) != after.select(key)) {
                movedKeys++;
            }
        }
        assertThat((double) movedKeys).isLessThanOrEqualTo(1.2 * 1_000_000 / n);
    }

    @Test
    void twoBalancersBuiltIndependentlyAgreeOnEveryKeyWhateverTheConfiguredOrder() {
        List<Backend> mine = backends(7);
        List<Backend> theirs = backends(7); // fresh Backend objects, as another balancer would have
        Collections.shuffle(theirs, new Random(5));
        Selector a = Scheduler.maglev().newSelector(mine);
        Selector b = Scheduler.named("mh").newSelector(theirs);
        for (int key = 0; key < M; key++) {
            assertThat(b.select(key).label()).isEqualTo(a.select(key).label());
        }
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 1_000_000; i++) {
            long key = random.nextLong();
            if (!a.select(key).label().equals(b.select(key).label())) {
                throw new AssertionError("balancers disagree on key " + key);
            }
        }
    }

    @Test
    void theTableIsAFunctionOfTheLabelsNotOfTheAddresses() {
        Selector a = mh.newSelector(List.of(backend("x", 100), backend("y", 100)));
        Selector b = mh.newSelector(List.of(
                Backend.of(RealServer.builder("x", "172.16.0.9").build()),
                Backend.of(RealServer.builder("y", "2001:db8::7").build())));
        for (int key = 0; key < M; key += 7) {
            assertThat(b.select(key).label()).isEqualTo(a.select(key).label());
        }
    }

    @Test
    void ownsSlotsInProportionToWeight() {
        Selector s = mh.newSelector(List.of(backend("a", 200), backend("b", 100), backend("c", 100)));
        Map<String, Integer> slots = slotsPerBackend(s);
        assertThat((double) slots.get("a")).isCloseTo(M / 2.0, within(M / 2.0 * 0.01));
        assertThat((double) slots.get("b")).isCloseTo(M / 4.0, within(M / 4.0 * 0.01));
        assertThat((double) slots.get("c")).isCloseTo(M / 4.0, within(M / 4.0 * 0.01));
    }

    @Test
    void neverPicksWeightZero() {
        Selector s = mh.newSelector(List.of(backend("a", 0), backend("b", 100), backend("c", 100)));
        assertThat(slotsPerBackend(s)).containsOnlyKeys("b", "c");
    }

    @Test
    void sendsTheClientsOfAnUnavailableBackendElsewhereTheSameWayOnEveryBalancer() {
        Selector healthy = mh.newSelector(backends(5));
        List<Backend> oneFull = backends(5);
        oneFull.set(2, full("real-2"));
        Selector mine = mh.newSelector(oneFull);
        List<Backend> theirs = new ArrayList<>(backends(5));
        theirs.set(2, full("real-2"));
        Collections.reverse(theirs);
        Selector other = mh.newSelector(theirs);

        for (int key = 0; key < M; key++) {
            String now = mine.select(key).label();
            assertThat(now).isNotEqualTo("real-2").isEqualTo(other.select(key).label());
            String usual = healthy.select(key).label();
            if (!usual.equals("real-2")) {
                assertThat(now).as("a client of an available backend stays put").isEqualTo(usual);
            }
        }
    }

    @Test
    void returnsNullWhenNothingIsAvailable() {
        assertThat(mh.newSelector(List.of(full("a"), full("b"))).select(1)).isNull();
        assertThat(mh.newSelector(List.of(backend("a", 0))).select(1)).isNull();
    }

    @Test
    void smallPrimeTablesWork() {
        Selector s = Scheduler.maglev(3).newSelector(backends(5));
        assertThat(slotsPerBackend(s)).hasSize(3); // three slots: at most three backends ever chosen
        assertThat(Scheduler.maglev(16777213).name()).isEqualTo("mh");
    }

    @ParameterizedTest(name = "tableSize {0}")
    @ValueSource(ints = {100, 65536, 2, 1, 0, -7, 16777216, 16777259, Integer.MAX_VALUE})
    void rejectsATableSizeThatIsNotAPrimeInRange(int tableSize) {
        assertThatThrownBy(() -> Scheduler.maglev(tableSize)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maglev.tableSize: " + tableSize + " (expected: a prime in 3-16777213)");
    }
}
