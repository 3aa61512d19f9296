package io.lb4j.benchmarks.packet;

import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.Selector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Maglev lookup ({@link Scheduler#maglev()}, table size 65537) as the packet engine makes it for a new flow:
 * the client key of a random IPv4 address, then the selector. Must show 0 B/op under {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MaglevBenchmark {

    @Param({"3", "10"})
    int backends;

    Selector selector;
    int[] clients;
    int next;

    @Setup
    public void setUp() throws UnknownHostException {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < backends; i++) {
            list.add(Backend.of(RealServer.builder("r" + i, InetAddress.getByName("10.0.1." + (i + 1))).build()));
        }
        selector = Scheduler.maglev().newSelector(list);
        SplittableRandom random = new SplittableRandom(7);
        clients = new int[1 << 16];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = random.nextInt();
        }
    }

    @Benchmark
    public Backend lookup() {
        int i = next;
        next = (i + 1) & (clients.length - 1);
        return selector.select(RoutingTable.clientKeyIpv4(clients[i]));
    }
}
