package io.lb4j.ha.replication;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.internal.ServiceCodec;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config replication between two balancers over loopback TCP (real sockets, simulated engines). */
class ConfigReplicationTest {

    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

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

    @Test
    void aChangeOnThePrimaryIsLiveOnTheSecondary() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = closing(ConfigReceiver.start(secondary, ANY_LOOPBACK_PORT, SECRET));
        ConfigPublisher publisher = closing(ConfigPublisher.start(primary, receiver.address(), SECRET));

        List<VirtualService> changed = ServiceCodecTest.everyKindOfService();
        long version = publisher.reconfigure(changed);

        assertThat(publisher.awaitAcknowledged(version, Duration.ofSeconds(10))).isTrue();
        assertThat(primary.services()).isEqualTo(changed);
        assertThat(secondary.services()).isEqualTo(changed);
        assertThat(receiver.rejected()).isZero();
    }

    @Test
    void aListThatCannotBeReplicatedChangesNothingOnEitherNode() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        ConfigPublisher publisher = closing(ConfigPublisher.start(primary, new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 9), SECRET));
        VirtualService duplicate = ServiceCodecTest.pacs();

        assertThatThrownBy(() -> publisher.reconfigure(List.of(duplicate, duplicate)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(primary.services()).containsExactly(ServiceCodecTest.pacs());
        assertThat(publisher.version()).isEqualTo(1);
    }

    @Test
    void aTamperedForgedOrReplayedMessageIsRejectedCountedAndNotApplied() throws Exception {
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = closing(ConfigReceiver.start(secondary, ANY_LOOPBACK_PORT, SECRET));
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
    }

    @Test
    void aRestartedSecondaryCatchesUpOnReconnect() throws Exception {
        LoadBalancer primary = balancer(ServiceCodecTest.pacs());
        LoadBalancer secondary = balancer(ServiceCodecTest.pacs());
        ConfigReceiver receiver = ConfigReceiver.start(secondary, ANY_LOOPBACK_PORT, SECRET);
        InetSocketAddress address = receiver.address();
        ConfigPublisher publisher = closing(ConfigPublisher.start(primary, address, SECRET));
        assertThat(publisher.awaitAcknowledged(1, Duration.ofSeconds(10))).isTrue();

        receiver.close();                                               // the secondary goes down
        long v2 = publisher.reconfigure(List.of(pacsWithWeight(2)));
        long v3 = publisher.reconfigure(List.of(pacsWithWeight(3)));      // two changes while it is away
        LoadBalancer restarted = balancer(ServiceCodecTest.pacs());       // comes back with its old file
        ConfigReceiver again = closing(ConfigReceiver.start(restarted, address, SECRET));

        assertThat(publisher.awaitAcknowledged(v3, Duration.ofSeconds(15))).isTrue();
        assertThat(v3).isEqualTo(v2 + 1);
        assertThat(restarted.services()).containsExactly(pacsWithWeight(3));
        assertThat(again.applied()).isEqualTo(1);                         // only the latest, not each step
    }

    @Test
    void aSecretShorterThan16BytesIsRefused() {
        LoadBalancer lb = balancer(ServiceCodecTest.pacs());
        assertThatThrownBy(() -> ConfigReceiver.start(lb, ANY_LOOPBACK_PORT, new byte[8]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret: 8 bytes (expected: at least 16 bytes of shared secret)");
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
            byte[] hello = ReplicationWire.readFrame(in);
            challenge = Arrays.copyOfRange(hello, 8, 24);
        }

        void send(byte[] frame) throws IOException {
            ReplicationWire.writeFrame(out, frame);
        }

        /** Whether the receiver hung up (EOF) instead of acknowledging. */
        boolean closedByReceiver() throws IOException {
            return in.read() == -1;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
