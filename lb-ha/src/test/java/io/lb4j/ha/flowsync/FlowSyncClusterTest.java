package io.lb4j.ha.flowsync;

import io.lb4j.ha.peer.PeerChannel;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.ha.peer.PeerStatus;
import io.lb4j.testsupport.net.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lb4j.ha.internal.ReplicationWire;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Flow-state sync among three nodes of an active-active cluster, each streaming to both others over loopback TCP
 * (127.0.0.1, .2 and .3, so each receiver tells its peers apart by address), with {@link JournalledFlows} as each
 * node's engine: a flow opened on one node is on every other; a dead node holds up none of the others; a node that
 * comes back gets the live flows; a slow node's queue overflows without holding up the others.
 */
class FlowSyncClusterTest {

    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final InetSocketAddress[] addresses = addresses();
    private final JournalledFlows[] flows = {new JournalledFlows(), new JournalledFlows(), new JournalledFlows()};
    private final FlowSync[] syncs = new FlowSync[3];

    private static InetSocketAddress[] addresses() {
        int[] ports = FreePorts.tcp(3);
        return IntStream.range(0, 3).mapToObj(i -> new InetSocketAddress(
                InetAddress.ofLiteral("127.0.0." + (i + 1)), ports[i])).toArray(InetSocketAddress[]::new);
    }

    @AfterEach
    void closeAll() {
        for (FlowSync s : syncs) {
            if (s != null) {
                s.close();
            }
        }
    }

    private FlowSync.Builder node(int i) {
        List<InetSocketAddress> others = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                others.add(addresses[j]);
            }
        }
        return FlowSync.builder(flows[i]).listen(addresses[i]).peers(others).secret(SECRET);
    }

    private void start(int i) {
        syncs[i] = node(i).build().start();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what + " within " + WAIT).isNegative();
            Thread.onSpinWait();
        }
    }

    private static PeerState state(FlowSync sync, PeerChannel channel, InetSocketAddress peer) {
        String text = channel == PeerChannel.FLOW_SYNC_OUT
                ? peer.getAddress().getHostAddress() + ":" + peer.getPort() : peer.getAddress().getHostAddress();
        return sync.peerStatuses().stream().filter(s -> s.channel() == channel && s.peer().equals(text))
                .map(PeerStatus::state).findFirst().orElseThrow();
    }

    @Test
    void aFlowOpenedOnOneNodeIsOnEveryOther() {
        start(0);
        start(1);
        start(2);

        flows[0].open(40_001);
        flows[2].open(40_003);

        await("A's flow on B and C, C's on A and B", () -> flows[1].has(40_001) && flows[2].has(40_001)
                && flows[0].has(40_003) && flows[1].has(40_003));
        flows[0].end(40_001);
        await("its end on B and C", () -> !flows[1].has(40_001) && !flows[2].has(40_001));
        assertThat(flows[1].ids()).containsExactly(40_003);
        await("every peer OK both ways on A", () -> syncs[0].peerStatuses().stream()
                .allMatch(s -> s.state() == PeerState.OK));
        assertThat(syncs[0].peerStatuses()).extracting(PeerStatus::channel).containsExactly(
                PeerChannel.FLOW_SYNC_OUT, PeerChannel.FLOW_SYNC_IN, PeerChannel.FLOW_SYNC_OUT,
                PeerChannel.FLOW_SYNC_IN);
        assertThat(syncs[0].rejected() + syncs[1].rejected() + syncs[2].rejected()).isZero();
        assertThat(syncs[0].connections()).as("one connection to each peer").isEqualTo(2);
    }

    @Test
    void aDeadNodeHoldsUpNoneOfTheOthersAndGetsTheLiveFlowsWhenItComesBack() {
        start(0);
        start(1); // C is down: its address refuses connections

        flows[0].open(40_001);
        flows[0].open(40_002);
        flows[1].open(41_001);
        await("A's flows on B, B's on A", () -> flows[1].has(40_001) && flows[1].has(40_002)
                && flows[0].has(41_001));
        await("C unreachable from A", () -> state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[2])
                == PeerState.UNREACHABLE);
        assertThat(state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[1])).isEqualTo(PeerState.OK);
        flows[0].end(40_002); // ended while C was away: C must not learn it
        // (from B either: a node's export carries the flows it learned too, and A's removal went to B alone)
        await("the end on B", () -> !flows[1].has(40_002));

        start(2);

        await("the live flows of A and B on C", () -> flows[2].ids().equals(List.of(40_001, 41_001)));
        await("C reachable from A again", () -> state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[2])
                == PeerState.OK);
        flows[2].open(42_001);
        await("C's new flow on A and B", () -> flows[0].has(42_001) && flows[1].has(42_001));
        assertThat(syncs[0].failures()).as("A's failed connects were to C only, counted").isPositive();
    }

    @Test
    void aSlowPeersQueueOverflowsAloneWhileTheOthersGetEveryFlow() throws Exception {
        // B greets A's sender and then reads nothing: A's frames fill the socket, then B's queue of 2,048.
        try (SilentPeer b = new SilentPeer(addresses[1])) {
            syncs[0] = node(0).queueCapacity(2_048).build().start();
            start(2);
            await("A streams to B and C", () -> b.greeted()
                    && state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[2]) == PeerState.OK);

            // In rounds C keeps up with (its queue never holds more than one), until B's overflows.
            int id = 0;
            while (syncs[0].overflows() == 0) {
                assertThat(id).as("B's queue overflowed within 1,000,000 flows").isLessThan(1_000_000);
                int first = id;
                for (int i = 0; i < 1_024; i++) {
                    flows[0].open(id++);
                }
                int last = id - 1;
                await("flows " + first + "-" + last + " on C", () -> flows[2].has(first) && flows[2].has(last));
            }
            int opened = id;

            flows[0].open(opened);
            await("a flow after the overflow on C", () -> flows[2].has(opened));
            assertThat(flows[2].size()).isEqualTo(opened + 1);
            assertThat(state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[2])).isEqualTo(PeerState.OK);
        }
        // The silent peer is gone: A's connection to B fails, and A goes on streaming to C.
        await("B unreachable from A", () -> state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[1])
                == PeerState.UNREACHABLE);
        flows[0].open(1_999_999);
        await("a flow after B's loss on C", () -> flows[2].has(1_999_999));
        assertThat(state(syncs[0], PeerChannel.FLOW_SYNC_OUT, addresses[2])).isEqualTo(PeerState.OK);
    }

    /** A flow sync receiver that sends its greeting and then reads nothing (a peer too slow to keep up). */
    private static final class SilentPeer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SilentPeer(InetSocketAddress address) throws IOException {
            server.setReceiveBufferSize(4096); // inherited by the accepted connections
            server.bind(address);
            acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        DataOutputStream out = new DataOutputStream(s.getOutputStream());
                        ReplicationWire.writeFrame(out, ReplicationWire.hello(ReplicationWire.FLOWS_MAGIC,
                                new byte[ReplicationWire.CHALLENGE_LENGTH], 0, 0));
                        accepted.add(s);
                    }
                } catch (IOException closed) {
                    // close() ends the loop
                }
            });
        }

        boolean greeted() {
            return !accepted.isEmpty();
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
            acceptor.join();
        }
    }

    @Test
    void theBuilderNamesWhatIsWrongWithThePeers() {
        InetSocketAddress b = addresses[1];
        assertThatThrownBy(() -> node(0).peers(List.of()))
                .hasMessage("peers: [] (expected: at least one other node's sync address)");
        assertThatThrownBy(() -> node(0).peers(List.of(b, new InetSocketAddress(b.getAddress(), b.getPort() + 1))))
                .hasMessage("peers: 127.0.0.2 twice (expected: each node's IP address once)");
        assertThatThrownBy(() -> node(0).peers(List.of(InetSocketAddress.createUnresolved("lb2", 7791))))
                .hasMessage("peer: lb2/<unresolved>:7791 (expected: an IP address and port)");
    }
}
