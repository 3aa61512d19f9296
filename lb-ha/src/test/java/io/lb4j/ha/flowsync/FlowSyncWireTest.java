package io.lb4j.ha.flowsync;

import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.ha.internal.FlowWire;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Flow-state sync's wire and its receiving end over loopback TCP, with a raw socket playing the sender: the codec
 * round-trips every field, and the receiver verifies before it decodes, counts what it refuses, and survives it.
 * (The sync between two running packet engines is {@code PacketPairTakeoverTest}, in network namespaces.)
 */
class FlowSyncWireTest {

    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final FlowUpdate DR = new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 6,
            FlowUpdate.State.ESTABLISHED, false, 0x0A00000A, 40000, 0x0A000064, 104, 0x0A00006E, 104,
            0x02_00_00_00_00_0AL);
    private static final FlowUpdate NAT_UDP = new FlowUpdate(FlowUpdate.Kind.REMOVE, "Bildgebung Süd", 17,
            FlowUpdate.State.UDP, true, 0xC0A80001, 65535, 0x0A000064, 0, 0x0A000078, 11112, 0xFF_FF_FF_FF_FF_FFL);

    private FlowSync sync;

    @AfterEach
    void close() {
        if (sync != null) {
            sync.close();
        }
    }

    @Test
    void theCodecRoundTripsEveryField() {
        byte[] body = FlowWire.encode(42, List.of(DR, NAT_UDP));

        FlowWire.Batch batch = FlowWire.decode(body, 0, body.length);

        assertThat(batch.sequence()).isEqualTo(42);
        assertThat(batch.updates()).containsExactly(DR, NAT_UDP);
    }

    @Test
    void theDecoderNamesWhatIsWrongInsteadOfThrowingAnythingElse() {
        byte[] body = FlowWire.encode(1, List.of(DR));
        assertThatThrownBy(() -> FlowWire.decode(body, 0, body.length - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("truncated FLOWS frame");
        byte[] longer = java.util.Arrays.copyOf(body, body.length + 3);
        assertThatThrownBy(() -> FlowWire.decode(longer, 0, longer.length))
                .hasMessage("3 bytes after the last record");
        byte[] badKind = body.clone();
        badKind[10] = 9;
        assertThatThrownBy(() -> FlowWire.decode(badKind, 0, badKind.length))
                .hasMessage("record 0: kind 9 (expected: 1 or 2)");
        byte[] badProtocol = body.clone();
        badProtocol[11] = 1;
        assertThatThrownBy(() -> FlowWire.decode(badProtocol, 0, badProtocol.length))
                .hasMessage("protocol: 1 (expected: 6 for TCP or 17 for UDP)");
        byte[] manyRecords = body.clone();
        manyRecords[8] = (byte) 0xFF;
        assertThatThrownBy(() -> FlowWire.decode(manyRecords, 0, manyRecords.length))
                .hasMessageStartingWith("record count 65");
    }

    /** A sender speaking the wire by hand to a FlowSync whose engine never started (it applies nothing). */
    private final class RawSender implements AutoCloseable {
        final Socket socket = new Socket();
        final DataInputStream in;
        final DataOutputStream out;
        final byte[] challenge;
        long sequence;

        RawSender() throws IOException {
            socket.connect(sync.listenAddress(), 2_000);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            challenge = ReplicationWire.challengeOf(ReplicationWire.readFrame(in, ReplicationWire.HELLO),
                    ReplicationWire.FLOWS_MAGIC,
                    "test", "flow sync receiver");
        }

        void send(byte[] secret, List<FlowUpdate> updates) throws IOException {
            ReplicationWire.writeFrame(out, ReplicationWire.flows(secret, challenge,
                    FlowWire.encode(++sequence, updates)));
        }

        /** Writes one more byte, if the receiver has not hung up already (which is what the caller waits for). */
        void lastByte() {
            try {
                out.write(0);
                out.flush();
            } catch (IOException alreadyClosed) {
                // the deadline was noticed before this byte
            }
        }

        /** Whether the receiver closed the connection (the next read sees EOF). */
        boolean closedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (EOFException | java.net.SocketException e) {
                return true; // EOF, or a reset: closed with bytes of ours unread
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private void startReceiver() {
        sync = receiver().build().start();
    }

    private static FlowSync.Builder receiver() {
        return FlowSync.builder(PacketEngine.on("lb4jtest0"))
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .peer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)) // nobody: the sender just retries
                .secret(SECRET);
    }

    private static void await(LongSupplier counter, long value) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (counter.getAsLong() < value) {
            assertThat(System.nanoTime() - deadline).as("counter reached " + value + " in time").isNegative();
            Thread.onSpinWait();
        }
    }

    @Test
    void authenticFramesAreDecodedAndAnEmptyOneIsTheHeartbeat() throws Exception {
        startReceiver();
        try (RawSender sender = new RawSender()) {
            sender.send(SECRET, List.of());
            sender.send(SECRET, List.of(DR, NAT_UDP));

            await(sync::received, 2);
        }
        assertThat(sync.rejected()).isZero();
        assertThat(sync.malformed()).isZero();
        assertThat(sync.applied()).as("the engine never started: nothing applied").isZero();
    }

    @Test
    void aFrameUnderAnotherSecretIsRejectedAndEndsTheConnection() throws Exception {
        startReceiver();
        try (RawSender sender = new RawSender()) {
            sender.send("another secret, 16+ bytes".getBytes(StandardCharsets.UTF_8), List.of(DR));

            await(sync::rejected, 1);
            assertThat(sender.closedByPeer()).isTrue();
        }
        assertThat(sync.received()).isZero();
    }

    @Test
    void aTamperedFrameIsRejected() throws Exception {
        startReceiver();
        try (RawSender sender = new RawSender()) {
            byte[] frame = ReplicationWire.flows(SECRET, sender.challenge, FlowWire.encode(1, List.of(DR)));
            frame[20] ^= 1; // the client address: the flow would go elsewhere
            ReplicationWire.writeFrame(sender.out, frame);

            await(sync::rejected, 1);
            assertThat(sender.closedByPeer()).isTrue();
        }
        assertThat(sync.received()).isZero();
    }

    @Test
    void aFrameRecordedOnAnotherConnectionIsRejected() throws Exception {
        startReceiver();
        byte[] recorded;
        try (RawSender first = new RawSender()) {
            recorded = ReplicationWire.flows(SECRET, first.challenge, FlowWire.encode(1, List.of(DR)));
            ReplicationWire.writeFrame(first.out, recorded);
            await(sync::received, 1);
        }
        try (RawSender replay = new RawSender()) {
            ReplicationWire.writeFrame(replay.out, recorded);

            await(sync::rejected, 1);
        }
        assertThat(sync.received()).isEqualTo(1);
    }

    @Test
    void aBadLengthPrefixIsRejected() throws Exception {
        startReceiver();
        try (RawSender sender = new RawSender()) {
            sender.out.writeInt(-5);
            sender.out.flush();

            await(sync::rejected, 1);
            assertThat(sender.closedByPeer()).isTrue();
        }
    }

    @Test
    void anAuthenticButMalformedOrRepeatedFrameIsSkippedAndTheConnectionStays() throws Exception {
        startReceiver();
        try (RawSender sender = new RawSender()) {
            byte[] body = FlowWire.encode(1, List.of(DR));
            body[10] = 9; // kind 9
            ReplicationWire.writeFrame(sender.out, ReplicationWire.flows(SECRET, sender.challenge, body));
            ReplicationWire.writeFrame(sender.out, ReplicationWire.flows(SECRET, sender.challenge,
                    FlowWire.encode(1, List.of(DR)))); // sequence 1 again... accepted: the bad one set nothing
            ReplicationWire.writeFrame(sender.out, ReplicationWire.flows(SECRET, sender.challenge,
                    FlowWire.encode(1, List.of(DR)))); // ...but not a third time
            ReplicationWire.writeFrame(sender.out, ReplicationWire.flows(SECRET, sender.challenge,
                    FlowWire.encode(2, List.of(NAT_UDP))));

            await(sync::received, 2);
        }
        assertThat(sync.malformed()).isEqualTo(2);
        assertThat(sync.rejected()).isZero();
    }

    @Test
    void aSenderTricklingBytesIsCutOffAtTheFrameDeadlineNotReadTimeout() throws Exception {
        VirtualClock clock = new VirtualClock();
        sync = receiver().clock(clock).build().start();
        try (RawSender sender = new RawSender()) {       // t = 0: the first frame is due by t = 10 s
            sender.out.write(0);                          // one byte of the length...
            sender.out.flush();
            clock.advance(Duration.ofSeconds(9));         // ...each well within a 10 s read timeout...
            sender.out.write(0);
            sender.out.flush();
            clock.advance(Duration.ofSeconds(9));         // ...but t = 18 s: the frame is 8 s late
            sender.lastByte();

            assertThat(sender.closedByPeer()).isTrue();
        }
        assertThat(sync.timeouts()).isEqualTo(1);
        assertThat(sync.receiverStatus().state()).isEqualTo(PeerState.UNREACHABLE);
    }

    @Test
    void aConnectionFromAnotherAddressThanThePeersIsRefused() throws Exception {
        sync = receiver().peer(new InetSocketAddress(InetAddress.ofLiteral("192.0.2.1"), 9)).build().start();

        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), sync.listenAddress().getPort())) {
            s.setSoTimeout(5_000);
            assertThat(s.getInputStream().read()).as("closed before any HELLO").isEqualTo(-1);
        }
        assertThat(sync.refusedConnections()).isEqualTo(1);
    }

    @Test
    void theBuilderNamesWhatIsMissing() {
        PacketEngine engine = PacketEngine.on("lb4jtest0");
        assertThatThrownBy(() -> FlowSync.builder(engine).build())
                .hasMessage("listen: unset (expected: this node's sync address)");
        assertThatThrownBy(() -> FlowSync.builder(engine).listen(new InetSocketAddress(0)).build())
                .hasMessage("peer: unset (expected: the other node's sync address)");
        assertThatThrownBy(() -> FlowSync.builder(engine).secret(new byte[8]))
                .hasMessage("secret: 8 bytes (expected: at least 16 bytes of shared secret)");
    }
}
