package io.lb4j.ha.replication;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.ha.internal.PeerHealth;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.internal.ServiceCodec;
import io.lb4j.ha.peer.PeerChannel;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.ha.peer.PeerStateChanged;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config replication between two balancers over loopback TCP (real sockets, simulated engines). */
class ConfigReplicationTest {

    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(LOOPBACK, 0);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @TempDir
    Path state;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    /** The script directory of both nodes, with the script {@link ServiceCodecTest#everyKindOfService()} names. */
    @TempDir
    Path checks;

    private LoadBalancer balancer(VirtualService... services) {
        Path script = checks.resolve("check-ftp.sh");
        try {
            if (!Files.exists(script)) {
                Files.writeString(script, "#!/bin/sh\nexit 0\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return closing(LbTestKit.create()).start(LoadBalancer.builder().scriptDirectories(checks)
                .services(List.of(services)));
    }

    private static VirtualService pacsWithWeight(int weight) {
        return ServiceCodecTest.pacs(weight);
    }

    private ConfigReceiver.Builder receiverOf(LoadBalancer lb) {
        return ConfigReceiver.builder(lb).listen(ANY_LOOPBACK_PORT).peer(LOOPBACK).secret(SECRET);
    }

    private ConfigReceiver receiver(LoadBalancer lb) {
        return closing(receiverOf(lb).build().start());
    }

    private ConfigPublisher.Builder publisherOf(LoadBalancer lb, InetSocketAddress peer) {
        return ConfigPublisher.builder(lb).peer(peer).secret(SECRET).stateDirectory(state);
    }

    private ConfigPublisher publisher(LoadBalancer lb, InetSocketAddress peer) {
        return closing(publisherOf(lb, peer).build().start());
    }

    /** A loopback port nothing listens on: a connect is refused at once. */
    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return new InetSocketAddress(LOOPBACK, s.getLocalPort());
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what + " within " + WAIT).isNegative();
            Thread.onSpinWait();
        }
    }

    @Test
    void aChangeOnThePrimaryIsLiveOnTheSecondary() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiver(secondary);
        ConfigPublisher publisher = publisher(primary, receiver.address());

        List<VirtualService> changed = ServiceCodecTest.everyKindOfService();
        long version = publisher.reconfigure(changed);

        assertThat(publisher.awaitAcknowledged(version, WAIT)).isTrue();
        assertThat(primary.services()).isEqualTo(changed);
        assertThat(secondary.services()).isEqualTo(changed);
        assertThat(receiver.rejected()).isZero();
        assertThat(publisher.status().state()).isEqualTo(PeerState.OK);
        assertThat(publisher.status().detail()).isEqualTo("the secondary applied 1:2");
        assertThat(receiver.status().state()).isEqualTo(PeerState.OK);
    }

    @Test
    void aChangeOnThePublisherIsLiveOnEveryReceiverOfACluster() throws Exception {
        LoadBalancer publishing = balancer(ServiceCodecTest.pacs());
        LoadBalancer second = balancer(ServiceCodecTest.pacs());
        LoadBalancer third = balancer(ServiceCodecTest.pacs());
        ConfigReceiver toSecond = receiver(second);
        ConfigReceiver toThird = receiver(third);
        ConfigPublisher publisher = closing(ConfigPublisher.builder(publishing)
                .peers(List.of(toSecond.address(), toThird.address())).secret(SECRET).stateDirectory(state).build()
                .start());

        List<VirtualService> changed = ServiceCodecTest.everyKindOfService();
        long version = publisher.reconfigure(changed);

        assertThat(publisher.awaitAcknowledged(version, WAIT)).as("acknowledged by both").isTrue();
        assertThat(second.services()).isEqualTo(changed);
        assertThat(third.services()).isEqualTo(changed);
        assertThat(publisher.peerStatuses()).extracting(s -> s.peer() + " " + s.state()).containsExactly(
                PeerHealth.text(toSecond.address()) + " OK", PeerHealth.text(toThird.address()) + " OK");
    }

    @Test
    void aDeadReceiverDelaysNoOtherAndGetsTheLatestListWhenItComesBack() throws Exception {
        LoadBalancer publishing = balancer(ServiceCodecTest.pacs());
        LoadBalancer live = balancer(ServiceCodecTest.pacs());
        LoadBalancer late = balancer(ServiceCodecTest.pacs());
        ConfigReceiver toLive = receiver(live);
        InetSocketAddress lateAddress = closedPort();
        ConfigPublisher publisher = closing(ConfigPublisher.builder(publishing)
                .peers(List.of(lateAddress, toLive.address())).secret(SECRET).stateDirectory(state).build()
                .start());

        long first = publisher.reconfigure(List.of(pacsWithWeight(3)));
        await("the live receiver holds version " + first, () -> live.services().equals(List.of(pacsWithWeight(3))));
        List<VirtualService> latest = ServiceCodecTest.everyKindOfService();
        long second = publisher.reconfigure(latest);
        await("the live receiver holds version " + second, () -> live.services().equals(latest));
        await("the dead one unreachable", () -> publisher.peerStatuses().getFirst().state()
                == PeerState.UNREACHABLE);
        assertThat(publisher.acknowledged()).as("not every receiver holds a version yet").isLessThan(second);

        ConfigReceiver toLate = closing(receiverOf(late).listen(lateAddress).build().start());

        assertThat(publisher.awaitAcknowledged(second, WAIT)).as("acknowledged by both").isTrue();
        assertThat(late.services()).isEqualTo(latest);
        assertThat(toLate.status().state()).isEqualTo(PeerState.OK);
        assertThat(publisher.failures()).isPositive();
    }

    @Test
    void thePublishersBuilderNamesWhatIsWrongWithThePeers() throws Exception {
        LoadBalancer lb = balancer(ServiceCodecTest.pacs());
        InetSocketAddress a = closedPort();
        assertThatThrownBy(() -> ConfigPublisher.builder(lb).peers(List.of()))
                .hasMessage("peers: [] (expected: at least one secondary's replication address)");
        assertThatThrownBy(() -> ConfigPublisher.builder(lb).peers(List.of(a, a)))
                .hasMessageEndingWith(" (expected: each address once)");
    }

    @Test
    void aListThatCannotBeReplicatedChangesNothingOnEitherNode() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        ConfigPublisher publisher = publisher(primary, closedPort());
        VirtualService duplicate = ServiceCodecTest.pacs();

        assertThatThrownBy(() -> publisher.reconfigure(List.of(duplicate, duplicate)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(primary.services()).containsExactly(ServiceCodecTest.pacs());
        assertThat(publisher.version()).isEqualTo(1);
    }

    @Test
    void aTamperedForgedOrReplayedMessageIsRejectedCountedAndNotApplied() throws Exception {
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiver(secondary);
        byte[] json = ServiceCodec.encode(List.of(pacsWithWeight(1)));

        // 1. signed with another secret
        try (Peer p = new Peer(receiver.address())) {
            p.send(ReplicationWire.config("not the shared secret!".getBytes(StandardCharsets.UTF_8), p.challenge,
                    1, 1, json));
            assertThat(p.closedByReceiver()).isTrue();
        }
        // 2. correctly signed, then one byte of the JSON changed in flight
        try (Peer p = new Peer(receiver.address())) {
            byte[] frame = ReplicationWire.config(SECRET, p.challenge, 1, 1, json);
            frame[40] ^= 1;
            p.send(frame);
            assertThat(p.closedByReceiver()).isTrue();
        }
        // 3. no MAC at all: raw JSON
        try (Peer p = new Peer(receiver.address())) {
            p.send(json);
            assertThat(p.closedByReceiver()).isTrue();
        }
        // 4. a genuine frame recorded on one connection, replayed on another (another challenge)
        byte[] recorded;
        try (Peer p = new Peer(receiver.address())) {
            recorded = ReplicationWire.config(SECRET, p.challenge, 1, 1, json);
        }
        try (Peer p = new Peer(receiver.address())) {
            p.send(recorded);
            assertThat(p.closedByReceiver()).isTrue();
        }

        assertThat(receiver.rejected()).isEqualTo(4);
        assertThat(receiver.applied()).isZero();
        assertThat(secondary.services()).containsExactly(ServiceCodecTest.pacs());
        assertThat(receiver.status().state()).isEqualTo(PeerState.REFUSING);
    }

    @Test
    void aRestartedSecondaryCatchesUpOnReconnect() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiverOf(secondary).build().start();
        InetSocketAddress address = receiver.address();
        ConfigPublisher publisher = publisher(primary, address);
        assertThat(publisher.awaitAcknowledged(1, WAIT)).isTrue();

        receiver.close();                                               // the secondary goes down
        long v2 = publisher.reconfigure(List.of(pacsWithWeight(2)));
        long v3 = publisher.reconfigure(List.of(pacsWithWeight(3)));      // two changes while it is away
        LoadBalancer restarted = balancer(ServiceCodecTest.pacs());       // comes back with its old file
        ConfigReceiver again = closing(ConfigReceiver.builder(restarted).listen(address).peer(LOOPBACK)
                .secret(SECRET).build().start());

        assertThat(publisher.awaitAcknowledged(v3, Duration.ofSeconds(15))).isTrue();
        assertThat(v3).isEqualTo(v2 + 1);
        assertThat(restarted.services()).containsExactly(pacsWithWeight(3));
        assertThat(again.applied()).isEqualTo(1);                         // only the latest, not each step
    }

    @Test
    void aSecretShorterThan16BytesIsRefused() {
        LoadBalancer lb = balancer(ServiceCodecTest.pacs());
        assertThatThrownBy(() -> ConfigReceiver.builder(lb).secret(new byte[8]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret: 8 bytes (expected: at least 16 bytes of shared secret)");
    }

    @Test
    void theBuildersNameWhatIsMissingOrOutOfRange() {
        LoadBalancer lb = balancer(ServiceCodecTest.pacs());
        assertThatThrownBy(() -> ConfigReceiver.builder(lb).peer(LOOPBACK).secret(SECRET).build())
                .hasMessage("listen: unset (expected: this node's replication address)");
        assertThatThrownBy(() -> ConfigReceiver.builder(lb).listen(ANY_LOOPBACK_PORT).secret(SECRET).build())
                .hasMessage("peer: unset (expected: the primary's address)");
        assertThatThrownBy(() -> ConfigReceiver.builder(lb).maxConnections(0))
                .hasMessage("maxConnections: 0 (expected: 1-64)");
        assertThatThrownBy(() -> ConfigReceiver.builder(lb).frameTimeout(Duration.ofSeconds(1)))
                .hasMessage("frameTimeout: PT1S (expected: 2 s to 10 min)");
        assertThatThrownBy(() -> ConfigPublisher.builder(lb).secret(SECRET).build())
                .hasMessage("peer: unset (expected: the secondary's replication address)");
    }

    // ------------------------------------------------------------------ issue 12 item 3: idle, slow, strangers

    @Test
    void anIdleConnectionDoesNotStopReplication() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiver(secondary);
        try (Socket idle = new Socket(LOOPBACK, receiver.address().getPort())) {  // connects, then says nothing
            ConfigPublisher publisher = publisher(primary, receiver.address());
            long version = publisher.reconfigure(List.of(pacsWithWeight(7)));

            assertThat(publisher.awaitAcknowledged(version, WAIT)).isTrue();
            assertThat(secondary.services()).containsExactly(pacsWithWeight(7));
            assertThat(idle.isClosed()).isFalse();
        }
    }

    @Test
    void aPeerTricklingBytesIsCutOffAtTheFrameDeadlineNotReadTimeout() throws Exception {
        VirtualClock clock = new VirtualClock();
        ConfigReceiver receiver = closing(receiverOf(balancer(ServiceCodecTest.pacs())).clock(clock).build()
                .start());
        try (Peer p = new Peer(receiver.address())) {    // t = 0: the first frame is due by t = 10 s
            p.out.write(0);                               // one byte of the length...
            p.out.flush();
            clock.advance(Duration.ofSeconds(9));         // ...each well within a 10 s read timeout...
            p.out.write(0);
            p.out.flush();
            clock.advance(Duration.ofSeconds(9));         // ...but t = 18 s: the frame is 8 s late
            p.lastByte();

            assertThat(p.closedByReceiver()).isTrue();
        }
        assertThat(receiver.timeouts()).isEqualTo(1);
        assertThat(receiver.status().state()).isEqualTo(PeerState.UNREACHABLE); // nothing authentic for 10 s
        assertThat(receiver.status().detail()).isEqualTo("nothing authentic from the primary 127.0.0.1 for"
                + " 10000 ms");
    }

    @Test
    void connectionsFromAnotherAddressThanThePeersAreRefused() throws Exception {
        ConfigReceiver receiver = closing(ConfigReceiver.builder(balancer(ServiceCodecTest.pacs()))
                .listen(ANY_LOOPBACK_PORT).peer(InetAddress.ofLiteral("192.0.2.1")).secret(SECRET).build().start());

        try (Socket s = new Socket(LOOPBACK, receiver.address().getPort())) {
            s.setSoTimeout(5_000);
            assertThat(s.getInputStream().read()).as("closed before any HELLO").isEqualTo(-1);
        }
        assertThat(receiver.refusedConnections()).isEqualTo(1);
    }

    @Test
    void aPublisherConnectsFromItsSourceAddressWhichIsTheOneTheReceiverAccepts() throws Exception {
        // The receiver takes the primary at 127.0.0.2 only; the kernel's own choice toward 127.0.0.1 is 127.0.0.1.
        InetAddress primaryAddress = InetAddress.ofLiteral("127.0.0.2");
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = closing(ConfigReceiver.builder(secondary).listen(ANY_LOOPBACK_PORT)
                .peer(primaryAddress).secret(SECRET).build().start());
        ConfigPublisher unbound = publisher(balancer(ServiceCodecTest.pacs()), receiver.address());
        await("the receiver refused the publisher without a source", () -> receiver.refusedConnections() > 0);
        assertThat(unbound.acknowledged()).isZero();
        unbound.close();

        ConfigPublisher bound = closing(publisherOf(balancer(ServiceCodecTest.pacs()), receiver.address())
                .source(primaryAddress).build().start());
        List<VirtualService> changed = ServiceCodecTest.everyKindOfService();
        assertThat(bound.awaitAcknowledged(bound.reconfigure(changed), WAIT)).as("acknowledged").isTrue();
        assertThat(secondary.services()).isEqualTo(changed);
    }

    @Test
    void anUnreachableSecondaryIsAStateAnEventAndACounter() throws Exception {
        RecordingClock clock = new RecordingClock();
        InetSocketAddress nobody = closedPort();
        ConfigPublisher publisher = closing(publisherOf(balancer(ServiceCodecTest.pacs()), nobody).clock(clock)
                .build());
        List<PeerStateChanged> events = new CopyOnWriteArrayList<>();
        publisher.subscribe(events::add);

        publisher.start();
        await("the first failed connect", () -> publisher.failures() == 1 && !events.isEmpty());

        assertThat(publisher.status().state()).isEqualTo(PeerState.UNREACHABLE);
        assertThat(publisher.status().isError()).isTrue();
        assertThat(publisher.status().peer()).isEqualTo("127.0.0.1:" + nobody.getPort());
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.channel()).isEqualTo(PeerChannel.CONFIG_PUBLISHER);
            assertThat(e.from()).isEqualTo(PeerState.STARTING);
            assertThat(e.to()).isEqualTo(PeerState.UNREACHABLE);
            assertThat(e.at()).isEqualTo(java.time.Instant.EPOCH);
            assertThat(e.detail()).startsWith("connection to 127.0.0.1:" + nobody.getPort() + ": ")
                    .contains("Connection refused");
        });
    }

    // ------------------------------------------------------------------ issue 11 item 8: backoff with jitter

    @Test
    void reconnectsBackOffExponentiallyWithJitterCappedAtFiveSeconds() throws Exception {
        RecordingClock clock = new RecordingClock();
        ConfigPublisher publisher = closing(publisherOf(balancer(ServiceCodecTest.pacs()), closedPort())
                .clock(clock).build().start());

        for (int attempt = 1; attempt <= 9; attempt++) {
            int n = attempt;
            await("failure " + n + " and its retry scheduled", () -> clock.delays.size() == n);
            Duration delay = clock.delays.get(n - 1);
            long base = 100L << Math.min(n - 1, 6);                       // 100 ms doubling, up to past the cap
            assertThat(delay.toMillis()).as("delay after failure " + n)
                    .isBetween(base / 2, Math.min(base * 3 / 2, 5_000));   // +-50 % jitter, at most 5 s
            clock.virtual.advance(delay.minusNanos(1));
            assertThat(publisher.failures()).as("no attempt before the delay").isEqualTo(n);
            clock.virtual.advance(Duration.ofNanos(1));                   // the next attempt, exactly on time
        }
        assertThat(List.copyOf(clock.delays).subList(6, 9)).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(3_200),
                Duration.ofSeconds(5)));
    }

    // ------------------------------------------------------------------ issue 12 item 4: authentic but malformed

    @Test
    void anAuthenticButMalformedListIsAnsweredInvalidCountedAndTheReceiverKeepsServing() throws Exception {
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiver(secondary);
        String good = new String(ServiceCodec.encode(List.of(pacsWithWeight(5))), StandardCharsets.UTF_8);
        byte[] notJson = "{\"format\": \"lb4j-services/1\", \"services\": [".getBytes(StandardCharsets.UTF_8);
        String broken = good.replaceFirst("\"interval\"\\s*:\\s*\"[^\"]*\"", "\"interval\": \"soon\"");
        assertThat(broken).as("the interval replaced").isNotEqualTo(good);
        byte[] badDuration = broken.getBytes(StandardCharsets.UTF_8);

        try (Peer p = new Peer(receiver.address())) {
            p.send(ReplicationWire.config(SECRET, p.challenge, 1, 1, notJson));
            assertThat(p.ackStatus()).isEqualTo(ReplicationWire.STATUS_INVALID);
            p.send(ReplicationWire.config(SECRET, p.challenge, 1, 2, badDuration));   // "soon" is no duration
            assertThat(p.ackStatus()).isEqualTo(ReplicationWire.STATUS_INVALID);
            assertThat(receiver.status().state()).isEqualTo(PeerState.INVALID);

            p.send(ReplicationWire.config(SECRET, p.challenge, 1, 3, good.getBytes(StandardCharsets.UTF_8)));
            assertThat(p.ackStatus()).isEqualTo(ReplicationWire.STATUS_APPLIED);   // same connection, still served
        }
        assertThat(receiver.invalid()).isEqualTo(2);
        assertThat(receiver.applied()).isEqualTo(1);
        assertThat(secondary.services()).containsExactly(pacsWithWeight(5));
        assertThat(receiver.status().state()).isEqualTo(PeerState.OK);
    }

    @Test
    void aFrameLongerThanItsTypeAllowsIsRefusedBeforeItsBodyIsRead() throws Exception {
        ConfigReceiver receiver = receiver(balancer(ServiceCodecTest.pacs()));

        try (Peer p = new Peer(receiver.address())) {
            p.out.writeInt(1_000);                        // a heartbeat is 33 bytes: 1,000 is refused unread
            p.out.writeByte(ReplicationWire.PING);
            p.out.flush();
            assertThat(p.closedByReceiver()).isTrue();
        }
        try (Peer p = new Peer(receiver.address())) {
            p.out.writeInt(ReplicationWire.MAX_CONFIG_FRAME + 1);
            p.out.writeByte(ReplicationWire.CONFIG);
            p.out.flush();
            assertThat(p.closedByReceiver()).isTrue();
        }
        assertThat(receiver.rejected()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ issue 12 item 5: a monotonic epoch

    @Test
    void theEpochIsPersistedAndGrowsByOneAtEveryStart() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        InetSocketAddress nobody = closedPort();
        try (ConfigPublisher first = publisherOf(primary, nobody).build().start()) {
            assertThat(first.epoch()).isEqualTo(1);
        }
        try (ConfigPublisher second = publisherOf(primary, nobody).build().start()) {
            assertThat(second.epoch()).isEqualTo(2);
        }
        try (var files = Files.list(state)) {
            assertThat(files).containsExactly(state.resolve("replication-epoch")); // no temporary file left
        }
        assertThat(Files.readString(state.resolve("replication-epoch"))).isEqualTo("2\n");
    }

    @Test
    void aCorruptEpochFileStopsTheStartAndSaysWhatToDo() throws Exception {
        Files.writeString(state.resolve("replication-epoch"), "yesterday");
        ConfigPublisher publisher = closing(publisherOf(balancer(ServiceCodecTest.pacs()), closedPort()).build());

        assertThatThrownBy(publisher::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("replication epoch: " + state.resolve("replication-epoch") + " holds \"yesterday\""
                        + " (expected: a non-negative decimal number; restore the file, or delete it and restart the"
                        + " secondary so that it accepts epochs from 1 again)");
    }

    @Test
    void aPrimaryWhoseEpochWentBackIsAnsweredStaleAndThatIsAnErrorNotAnAcknowledgement() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = receiver(secondary);
        Files.writeString(state.resolve("replication-epoch"), "41\n");
        try (ConfigPublisher before = publisherOf(primary, receiver.address()).build().start()) {
            assertThat(before.awaitAcknowledged(1, WAIT)).isTrue();       // the secondary holds 42:1
        }
        Files.writeString(state.resolve("replication-epoch"), "0\n");     // the state directory restored from old
        ConfigPublisher publisher = closing(publisherOf(primary, receiver.address()).build());
        List<PeerStateChanged> events = new CopyOnWriteArrayList<>();
        publisher.subscribe(events::add);

        publisher.start();                                                 // epoch 1: behind 42
        await("the STALE answer", () -> publisher.stale() == 1);

        assertThat(publisher.acknowledged()).as("STALE is no acknowledgement").isZero();
        assertThat(publisher.status().state()).isEqualTo(PeerState.STALE);
        assertThat(publisher.status().detail()).isEqualTo("the secondary holds 42:1, newer than this primary's 1:1,"
                + " and applies nothing from it (was " + state.resolve("replication-epoch") + " reset or"
                + " restored?); restart the secondary, or write an epoch above 42 there and restart this primary");
        assertThat(events).extracting(PeerStateChanged::to).containsExactly(PeerState.STALE);
        await("the receiver's view", () -> receiver.status().state() == PeerState.STALE);
        assertThat(receiver.stale()).isEqualTo(1);
        assertThat(receiver.appliedVersion()).isEqualTo("42:1");
    }

    /** The test kit's virtual clock, recording every delay it is asked to schedule. */
    private static final class RecordingClock implements io.lb4j.api.spi.TaskClock {
        final VirtualClock virtual = new VirtualClock();
        final List<Duration> delays = new CopyOnWriteArrayList<>();

        @Override
        public java.time.Instant now() {
            return virtual.now();
        }

        @Override
        public long nanoTime() {
            return virtual.nanoTime();
        }

        @Override
        public io.lb4j.api.spi.Cancellable schedule(Duration delay, Runnable task) {
            delays.add(delay);
            return virtual.schedule(delay, task);
        }
    }

    /** A hand-driven primary end, for sending what a real publisher never would. */
    private static final class Peer implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final byte[] challenge;

        Peer(InetSocketAddress address) throws IOException {
            socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(5_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            byte[] hello = ReplicationWire.readFrame(in, ReplicationWire.HELLO);
            challenge = Arrays.copyOfRange(hello, 8, 24);
        }

        void send(byte[] frame) throws IOException {
            ReplicationWire.writeFrame(out, frame);
        }

        /** The status of the next acknowledgement, which must authenticate. */
        byte ackStatus() throws IOException {
            byte[] ack = ReplicationWire.readVerified(in, SECRET, challenge, ReplicationWire.ACK);
            assertThat(ack).as("an acknowledgement").isNotNull();
            return ack[17];
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

        /** Whether the receiver hung up (EOF) instead of acknowledging. */
        boolean closedByReceiver() throws IOException {
            try {
                return in.read() == -1;
            } catch (java.net.SocketException e) {
                return true; // a reset: closed with bytes of ours unread
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
