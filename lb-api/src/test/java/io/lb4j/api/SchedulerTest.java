package io.lb4j.api;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.Selector;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The built-in schedulers other than Maglev (see {@link MaglevSchedulerTest}), through their public factories. */
class SchedulerTest {

    static Backend backend(String label, int weight) {
        return backend(label, weight, 0);
    }

    static Backend backend(String label, int weight, int maxConnections) {
        int n = Math.abs(label.hashCode()) % 250 + 1;
        return Backend.of(RealServer.builder(label, "10.0.0." + n).weight(weight).maxConnections(maxConnections)
                .build());
    }

    /** Gives {@code b} {@code count} active connections. */
    static Backend withConnections(Backend b, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(b.tryAcquire()).isTrue();
        }
        return b;
    }

    /** A backend that holds its one allowed connection, so it is not available. */
    static Backend full(String label) {
        return withConnections(backend(label, 100, 1), 1);
    }

    static List<String> picks(Selector selector, int count) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Backend b = selector.select(i);
            labels.add(b == null ? null : b.label());
        }
        return labels;
    }

    static Map<String, Integer> countPicks(Selector selector, int count, boolean randomKeys) {
        Map<String, Integer> counts = new HashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < count; i++) {
            long key = randomKeys ? random.nextLong() : i;
            counts.merge(selector.select(key).label(), 1, Integer::sum);
        }
        return counts;
    }

    static int longestRun(List<String> labels) {
        int longest = 0;
        int run = 0;
        String previous = null;
        for (String l : labels) {
            run = l.equals(previous) ? run + 1 : 1;
            longest = Math.max(longest, run);
            previous = l;
        }
        return longest;
    }

    @Nested
    class Names {
        @Test
        void factoriesHaveTheLvsConfigNames() {
            assertThat(Scheduler.roundRobin().name()).isEqualTo("rr");
            assertThat(Scheduler.weightedRoundRobin().name()).isEqualTo("wrr");
            assertThat(Scheduler.leastConnections().name()).isEqualTo("lc");
            assertThat(Scheduler.weightedLeastConnections().name()).isEqualTo("wlc");
            assertThat(Scheduler.sourceHash().name()).isEqualTo("sh");
            assertThat(Scheduler.maglev().name()).isEqualTo("mh");
        }

        @Test
        void namedMapsEveryConfigNameToItsFactory() {
            assertThat(Scheduler.named("rr")).isEqualTo(Scheduler.roundRobin());
            assertThat(Scheduler.named("wrr")).isEqualTo(Scheduler.weightedRoundRobin());
            assertThat(Scheduler.named("lc")).isEqualTo(Scheduler.leastConnections());
            assertThat(Scheduler.named("wlc")).isEqualTo(Scheduler.weightedLeastConnections());
            assertThat(Scheduler.named("sh")).isEqualTo(Scheduler.sourceHash());
            assertThat(Scheduler.named("mh")).isEqualTo(Scheduler.maglev());
        }

        @Test
        void namedRejectsAnUnknownNameListingTheAllowedOnes() {
            assertThatThrownBy(() -> Scheduler.named("x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("scheduler: \"x\" (expected: rr, wrr, lc, wlc, sh, mh)");
            assertThatThrownBy(() -> Scheduler.named("WLC")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("scheduler: \"WLC\" (expected: rr, wrr, lc, wlc, sh, mh)");
        }

        @Test
        void namedRejectsNullNamingTheParameter() {
            assertThatThrownBy(() -> Scheduler.named(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("scheduler");
        }

        @Test
        void schedulersAreValuesDistinctFromEachOther() {
            List<Scheduler> all = List.of(Scheduler.roundRobin(), Scheduler.weightedRoundRobin(),
                    Scheduler.leastConnections(), Scheduler.weightedLeastConnections(), Scheduler.sourceHash(),
                    Scheduler.maglev());
            assertThat(all).doesNotHaveDuplicates();
            assertThat(Scheduler.maglev(65537)).isEqualTo(Scheduler.maglev()).hasSameHashCodeAs(Scheduler.maglev());
            assertThat(Scheduler.maglev(7919)).isEqualTo(Scheduler.maglev(7919)).isNotEqualTo(Scheduler.maglev());
        }

        @Test
        void anEmptyBackendListSelectsNothing() {
            for (String name : List.of("rr", "wrr", "lc", "wlc", "sh", "mh")) {
                assertThat(Scheduler.named(name).newSelector(List.of()).select(1)).as(name).isNull();
            }
        }
    }

    @Nested
    class RoundRobin {
        private final Scheduler rr = Scheduler.roundRobin();

        @Test
        void cyclesThroughTheBackendsInListOrderIgnoringWeights() {
            Selector s = rr.newSelector(List.of(backend("a", 100), backend("b", 1), backend("c", 500)));
            assertThat(picks(s, 7)).containsExactly("a", "b", "c", "a", "b", "c", "a");
        }

        @Test
        void skipsAnUnavailableBackendWithoutGivingItsTurnsToTheNextOne() {
            Selector s = rr.newSelector(List.of(backend("a", 100), full("b"), backend("c", 100)));
            assertThat(picks(s, 6)).containsExactly("a", "c", "a", "c", "a", "c");
        }

        @Test
        void neverPicksWeightZero() {
            Selector s = rr.newSelector(List.of(backend("a", 0), backend("b", 100)));
            assertThat(picks(s, 4)).containsOnly("b");
        }

        @Test
        void returnsNullWhenNothingIsAvailable() {
            Selector s = rr.newSelector(List.of(full("a"), backend("b", 0)));
            assertThat(s.select(0)).isNull();
        }

        @Test
        void aBackendThatDropsBelowItsLimitIsPickedAgain() {
            Backend b = full("b");
            Selector s = rr.newSelector(List.of(backend("a", 100), b));
            assertThat(picks(s, 2)).containsExactly("a", "a");
            b.release(); // 0 of 1: below three quarters of the maximum, so no longer overloaded
            assertThat(picks(s, 4)).contains("b");
        }
    }

    @Nested
    class WeightedRoundRobin {
        private final Scheduler wrr = Scheduler.weightedRoundRobin();

        @Test
        void honoursWeightsWithinOnePercentOverAMillionPicks() {
            Selector s = wrr.newSelector(List.of(backend("a", 100), backend("b", 50), backend("c", 25),
                    backend("d", 1)));
            Map<String, Integer> counts = countPicks(s, 1_000_000, false);
            double perWeight = 1_000_000 / 176.0;
            assertThat((double) counts.get("a")).isCloseTo(100 * perWeight, within(100 * perWeight * 0.01));
            assertThat((double) counts.get("b")).isCloseTo(50 * perWeight, within(50 * perWeight * 0.01));
            assertThat((double) counts.get("c")).isCloseTo(25 * perWeight, within(25 * perWeight * 0.01));
            assertThat((double) counts.get("d")).isCloseTo(perWeight, within(perWeight * 0.01));
        }

        @Test
        void givesEveryBackendExactlyItsWeightPerCycle() {
            Selector s = wrr.newSelector(List.of(backend("a", 100), backend("b", 50), backend("c", 25),
                    backend("d", 1)));
            Map<String, Integer> counts = countPicks(s, 176 * 10, false);
            assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 1000, "b", 500, "c", 250, "d", 10));
        }

        @Test
        void equalWeightsArePlainRoundRobin() {
            Selector s = wrr.newSelector(List.of(backend("a", 100), backend("b", 100), backend("c", 100)));
            assertThat(picks(s, 6)).containsExactly("a", "b", "c", "a", "b", "c");
        }

        @Test
        void interleavesUnequalWeightsInsteadOfSendingBursts() {
            Selector s = wrr.newSelector(List.of(backend("a", 5), backend("b", 1), backend("c", 1)));
            assertThat(picks(s, 7)).containsExactly("a", "a", "a", "b", "c", "a", "a");

            // LVS's gcd/max stepping would send 50 in a row to "a" here.
            Selector heavy = wrr.newSelector(List.of(backend("a", 100), backend("b", 50), backend("c", 25),
                    backend("d", 1)));
            assertThat(longestRun(picks(heavy, 176))).isLessThanOrEqualTo(2);
        }

        @Test
        void scalesHugeCoprimeWeightsAndStillHonoursThemWithinOnePercent() {
            int[] weights = {65535, 65534, 65533, 65531, 65519, 1000};
            List<Backend> backends = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < weights.length; i++) {
                backends.add(backend("r" + i, weights[i]));
                total += weights[i];
            }
            Map<String, Integer> counts = countPicks(wrr.newSelector(backends), 1_000_000, false);
            for (int i = 0; i < weights.length; i++) {
                double expected = 1_000_000.0 * weights[i] / total;
                assertThat((double) counts.get("r" + i)).as("r" + i).isCloseTo(expected, within(expected * 0.01));
            }
        }

        @Test
        void neverPicksWeightZero() {
            Selector s = wrr.newSelector(List.of(backend("a", 0), backend("b", 3), backend("c", 0)));
            assertThat(picks(s, 10)).containsOnly("b");
        }

        @Test
        void givesAnUnavailableBackendsTurnsToTheOthers() {
            Selector s = wrr.newSelector(List.of(full("a"), backend("b", 100), backend("c", 100)));
            Map<String, Integer> counts = countPicks(s, 3000, false);
            assertThat(counts).doesNotContainKey("a").containsOnlyKeys("b", "c");
            assertThat(counts.get("b") + counts.get("c")).isEqualTo(3000);
        }

        @Test
        void returnsNullWhenNothingIsAvailable() {
            Selector s = wrr.newSelector(List.of(full("a"), full("b"), backend("c", 0)));
            assertThat(s.select(0)).isNull();
        }

        @Test
        void concurrentPickersShareOneCycleExactly() throws Exception {
            Selector s = wrr.newSelector(List.of(backend("a", 3), backend("b", 2), backend("c", 1)));
            Map<String, LongAdder> counts = new ConcurrentHashMap<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 60_000; i++) {
                            counts.computeIfAbsent(s.select(i).label(), k -> new LongAdder()).increment();
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            // 240,000 turns = 40,000 whole cycles of six, whatever the interleaving of threads.
            assertThat(counts.get("a").sum()).isEqualTo(120_000);
            assertThat(counts.get("b").sum()).isEqualTo(80_000);
            assertThat(counts.get("c").sum()).isEqualTo(40_000);
        }
    }

    @Nested
    class LeastConnections {
        private final Scheduler lc = Scheduler.leastConnections();

        @Test
        void picksTheFewestActiveConnectionsIgnoringWeight() {
            Selector s = lc.newSelector(List.of(withConnections(backend("a", 1000), 3),
                    withConnections(backend("b", 1), 1), withConnections(backend("c", 100), 2)));
            assertThat(s.select(0).label()).isEqualTo("b");
        }

        @Test
        void breaksTiesByListOrder() {
            Selector s = lc.newSelector(List.of(withConnections(backend("a", 100), 2),
                    withConnections(backend("b", 100), 1), withConnections(backend("c", 100), 1)));
            assertThat(s.select(0).label()).isEqualTo("b");
        }

        @Test
        void followsTheLiveCounts() {
            Backend a = backend("a", 100);
            Backend b = backend("b", 100);
            Selector s = lc.newSelector(List.of(a, b));
            assertThat(s.select(0)).isSameAs(a);
            a.tryAcquire();
            assertThat(s.select(0)).isSameAs(b);
            b.tryAcquire();
            b.tryAcquire();
            assertThat(s.select(0)).isSameAs(a);
        }

        @Test
        void skipsUnavailableAndWeightZeroBackends() {
            Selector s = lc.newSelector(List.of(backend("a", 0), full("b"), withConnections(backend("c", 100), 5)));
            assertThat(s.select(0).label()).isEqualTo("c");
        }

        @Test
        void returnsNullWhenNothingIsAvailable() {
            assertThat(lc.newSelector(List.of(full("a"), backend("b", 0))).select(0)).isNull();
        }
    }

    @Nested
    class WeightedLeastConnections {
        private final Scheduler wlc = Scheduler.weightedLeastConnections();

        @Test
        void isTheDefaultOfAVirtualService() {
            VirtualService service = VirtualService.nat().label("S").address("10.0.0.1").ports(80)
                    .real("a", "10.0.0.2").build();
            assertThat(service.scheduler()).isEqualTo(wlc);
        }

        @Test
        void picksTheFewestConnectionsPerWeight() {
            // a: 4/100 = 0.04, b: 1/50 = 0.02, c: 3/200 = 0.015
            Selector s = wlc.newSelector(List.of(withConnections(backend("a", 100), 4),
                    withConnections(backend("b", 50), 1), withConnections(backend("c", 200), 3)));
            assertThat(s.select(0).label()).isEqualTo("c");
        }

        @Test
        void breaksEqualRatiosByListOrder() {
            // 2/100 and 1/50 are equal: compared by cross-multiplication there is no rounding to split them.
            Selector s = wlc.newSelector(List.of(withConnections(backend("a", 100), 2),
                    withConnections(backend("b", 50), 1)));
            assertThat(s.select(0).label()).isEqualTo("a");
        }

        @Test
        void spreadsConnectionsInProportionToWeight() {
            Backend a = backend("a", 300);
            Backend b = backend("b", 100);
            Selector s = wlc.newSelector(List.of(a, b));
            for (int i = 0; i < 400; i++) {
                assertThat(s.select(i).tryAcquire()).isTrue();
            }
            assertThat(a.activeConnections()).isEqualTo(300);
            assertThat(b.activeConnections()).isEqualTo(100);
        }

        @Test
        void comparesLargeCountsAndWeightsWithoutOverflow() {
            Backend a = withConnections(backend("a", 65535), 40_000);
            Backend b = withConnections(backend("b", 65534), 40_000);
            // 40000/65535 < 40000/65534: an int product would overflow and get this wrong.
            assertThat(wlc.newSelector(List.of(b, a)).select(0)).isSameAs(a);
        }

        @Test
        void skipsUnavailableAndWeightZeroBackends() {
            Selector s = wlc.newSelector(List.of(backend("a", 0), full("b"), withConnections(backend("c", 1), 9)));
            assertThat(s.select(0).label()).isEqualTo("c");
        }

        @Test
        void returnsNullWhenNothingIsAvailable() {
            assertThat(wlc.newSelector(List.of(full("a"), backend("b", 0))).select(0)).isNull();
        }
    }

    @Nested
    class SourceHash {
        private final Scheduler sh = Scheduler.sourceHash();

        @Test
        void sendsAClientToTheSameBackendEveryTime() throws Exception {
            List<Backend> backends = List.of(backend("a", 100), backend("b", 100), backend("c", 100));
            Selector s = sh.newSelector(backends);
            Selector again = sh.newSelector(backends);
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 10_000; i++) {
                long key = random.nextLong();
                Backend first = s.select(key);
                assertThat(s.select(key)).isSameAs(first);
                assertThat(again.select(key)).isSameAs(first);
            }
            long client = RoutingTable.clientKey(java.net.InetAddress.getByName("192.168.1.20"));
            assertThat(s.select(client)).isSameAs(s.select(client));
        }

        @Test
        void sharesClientsInProportionToWeight() {
            Selector s = sh.newSelector(List.of(backend("a", 300), backend("b", 100)));
            Map<String, Integer> counts = countPicks(s, 1_000_000, true);
            assertThat((double) counts.get("a")).isCloseTo(750_000, within(7_500.0));
            assertThat((double) counts.get("b")).isCloseTo(250_000, within(2_500.0));
        }

        @Test
        void neverPicksWeightZero() {
            Selector s = sh.newSelector(List.of(backend("a", 0), backend("b", 100), backend("c", 0)));
            assertThat(countPicks(s, 10_000, true)).containsOnlyKeys("b");
        }

        @Test
        void sendsTheClientsOfAnUnavailableBackendToTheNextAvailableOne() {
            Backend a = backend("a", 100, 1);
            Backend b = backend("b", 100);
            Backend c = backend("c", 100);
            Selector s = sh.newSelector(List.of(a, b, c));
            long keyOfA = firstKeyPicking(s, a);
            long keyOfC = firstKeyPicking(s, c);
            withConnections(a, 1);
            assertThat(s.select(keyOfA)).isSameAs(b);
            // The same weights in the same order share the key space alike, so keyOfC picks "c" here too.
            Selector wrapping = sh.newSelector(List.of(backend("a", 100), backend("b", 100), full("c")));
            assertThat(wrapping.select(keyOfC).label()).as("wraps to the start of the list").isEqualTo("a");
        }

        @Test
        void returnsNullWhenNothingIsAvailable() {
            assertThat(sh.newSelector(List.of(full("a"), backend("b", 0))).select(5)).isNull();
            assertThat(sh.newSelector(List.of(backend("a", 0))).select(5)).isNull();
        }

        private static long firstKeyPicking(Selector s, Backend wanted) {
            SplittableRandom random = new SplittableRandom(3);
            while (true) {
                long key = random.nextLong();
                if (s.select(key) == wanted) {
                    return key;
                }
            }
        }
    }

    @Nested
    class Allocation {
        @Test
        void selectorsAllocateNothingPerPick() {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            List<Backend> backends = List.of(backend("a", 100), full("b"), backend("c", 50), backend("d", 0));
            for (String name : List.of("rr", "wrr", "lc", "wlc", "sh", "mh")) {
                Selector s = Scheduler.named(name).newSelector(backends);
                long sink = 0;
                for (int i = 0; i < 20_000; i++) { // warm up, so class loading and the JIT's first steps are done
                    sink += s.select(i).weight();
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100_000; i++) {
                    sink += s.select(i * 0x9E3779B97F4A7C15L).weight();
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                // One object per pick would be at least 1.6 MB; allow a little for the measurement itself.
                assertThat(allocated).as(name + " (sink " + sink + ")").isLessThan(4096);
            }
        }
    }
}
