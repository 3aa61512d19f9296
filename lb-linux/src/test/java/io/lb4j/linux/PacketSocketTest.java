package io.lb4j.linux;

import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.netns.NetnsLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The FFM bindings and the TPACKET_V3 rings against the real kernel, inside a namespace of the test's own (a host of
 * lb-test-support's {@link NetnsLab} with a veth pair {@code va}/{@code vb} of its own): the socket threads enter it
 * with {@code setns}, so no frame touches the root namespace. Root only.
 */
class PacketSocketTest {

    static NetnsLab lab;
    static Host host;

    @BeforeAll
    static void createNamespace() {
        Optional<String> why = NetnsLab.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: AF_PACKET and network namespaces: " + why.orElseThrow());
        lab = NetnsLab.builder("lb4jlinux").host("u", "10.215.0.1/24").build();
        host = lab.host("u");
        // Both ends inside the host: what one sends, the other receives, and nothing else is on the wire.
        host.run("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb");
        host.run("ip", "link", "set", "va", "up");
        host.run("ip", "link", "set", "vb", "up");
    }

    @AfterAll
    static void deleteNamespace() {
        if (lab != null) {
            lab.close();
        }
    }

    /** Runs {@code body} on a fresh thread that first moves into the test's namespace, and waits for it. */
    static <T> T inNamespace(Callable<? extends T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("in-" + host.namespace()).start(() -> {
            try {
                int fd = Libc.open(host.namespacePath().toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, "open(netns)");
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET, "setns(" + host.namespace() + ")");
                } finally {
                    Libc.close(fd, "close(netns)");
                }
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
            // The thread ends here: a thread moved into another namespace is never reused.
        });
        t.join(TimeUnit.SECONDS.toMillis(30));
        return result.get(1, TimeUnit.SECONDS);
    }

    @Test
    void aFrameWrittenToOneTxRingArrivesInThePeersRxRing() throws Exception {
        List<String> received = inNamespace(() -> {
            int a = Link.of("va").index();
            int b = Link.of("vb").index();
            try (PacketSocket sender = PacketSocket.open("va", a, PacketSocket.Options.defaults());
                 PacketSocket receiver = PacketSocket.open("vb", b, PacketSocket.Options.defaults())) {
                byte[] frame = new byte[100];
                for (int i = 0; i < 6; i++) {
                    frame[i] = (byte) 0xFF;                      // broadcast
                }
                frame[6] = 0x02;                                 // a locally administered source
                frame[12] = (byte) 0x88;                         // EtherType 0x88B5: local experimental
                frame[13] = (byte) 0xB5;
                for (int i = 14; i < frame.length; i++) {
                    frame[i] = (byte) i;
                }
                for (int n = 0; n < 3; n++) {
                    long o = sender.txClaim(frame.length);
                    assertThat(o).isNotNegative();
                    MemorySegment.copy(MemorySegment.ofArray(frame), 0, sender.txRing(), o, frame.length);
                    sender.txCommit(o, frame.length);
                }
                sender.txFlush();

                List<String> frames = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (frames.size() < 3 && System.nanoTime() - deadline < 0) {
                    receiver.awaitReadable(50);
                    receiver.receive((ring, offset, length, wire, status) -> {
                        byte[] got = ring.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
                        if (got.length >= 14 && got[12] == (byte) 0x88 && got[13] == (byte) 0xB5) {
                            frames.add(java.util.Arrays.equals(got, frame) ? "same " + wire : "different");
                        }
                    }, 16);
                }
                // The sender's own frames are not looped back into its RX ring.
                List<String> echoed = new ArrayList<>();
                sender.receive((ring, offset, length, wire, status) -> {
                    if (ring.get(ValueLayout.JAVA_BYTE, offset + 12) == (byte) 0x88) {
                        echoed.add("echo");
                    }
                }, 16);
                frames.addAll(echoed);
                return frames;
            }
        });
        assertThat(received).containsExactly("same 100", "same 100", "same 100");
    }

    @Test
    void aSuperFrameSentWithItsOffloadHeaderArrivesWholeWithItsSegmentationMetadata() throws Exception {
        int payload = 30_000;
        List<String> received = inNamespace(() -> {
            try (PacketSocket sender = PacketSocket.open("va", Link.of("va").index(), PacketSocket.Options.defaults());
                 PacketSocket receiver = PacketSocket.open("vb", Link.of("vb").index(),
                         PacketSocket.Options.defaults())) {
                assertThat(sender.vnetHeaders()).as(sender.vnetHeadersUnavailable()).isTrue();
                assertThat(sender.maxTxFrameLength()).isLessThan(payload);
                try (Arena arena = Arena.ofConfined()) {
                    // virtio_net_hdr + Ethernet + IPv4 + TCP: a 30 kB TSO super-frame, checksum partial.
                    MemorySegment b = arena.allocate(VirtioNetHeader.LENGTH + 54 + payload);
                    VirtioNetHeader.write(b, 0, VirtioNetHeader.NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 54, 1448,
                            34, 16);
                    ByteBuffer f = b.asSlice(VirtioNetHeader.LENGTH).asByteBuffer();
                    f.putShort((short) 0x0200).putInt(0x0000_0002).putShort((short) 0x0200).putInt(0x0000_0001);
                    f.putShort((short) 0x0800);
                    f.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putInt(0x0000_4000)
                            .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0x0A00_0001).putInt(0x0A00_0002);
                    f.putShort((short) 40000).putShort((short) 104).putInt(1).putInt(1).put((byte) 0x50)
                            .put((byte) 0x10).putShort((short) 65535).putInt(0);
                    assertThat(sender.sendLarge(b, (int) b.byteSize())).isTrue();
                }
                List<String> frames = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (frames.isEmpty() && System.nanoTime() - deadline < 0) {
                    receiver.awaitReadable(50);
                    receiver.receive((ring, offset, length, wire, status) -> {
                        long h = offset - VirtioNetHeader.LENGTH;
                        if (length > 1000) {
                            frames.add(length + " " + VirtioNetHeader.gsoType(ring, h) + " "
                                    + VirtioNetHeader.gsoSize(ring, h) + " " + VirtioNetHeader.flags(ring, h));
                        }
                    }, 16);
                }
                return frames;
            }
        });
        // veth hands the super-frame over unsegmented: one frame, TCPv4 GSO of 1448-byte segments, checksum partial.
        assertThat(received).containsExactly((54 + payload) + " " + VirtioNetHeader.GSO_TCPV4 + " 1448 "
                + VirtioNetHeader.NEEDS_CSUM);
    }

    @Test
    void withoutOffloadHeadersSuperFramesCannotBeSent() throws Exception {
        Object outcome = inNamespace(() -> {
            try (PacketSocket plain = PacketSocket.open("va", Link.of("va").index(),
                    PacketSocket.Options.defaults().withVnetHeaders(false))) {
                assertThat(plain.vnetHeaders()).isFalse();
                assertThat(plain.vnetHeadersUnavailable()).contains("switched off");
                try {
                    plain.sendLarge(MemorySegment.ofArray(new byte[4000]), 4000);
                    return "sent";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            }
        });
        assertThat(outcome).isEqualTo("large frames need virtio-net headers: switched off "
                + "(PacketSocket.Options.vnetHeaders)");
    }

    @Test
    void linkReadsTheInterfaceOfTheThreadsNamespace() throws Exception {
        Link va = inNamespace(() -> Link.of("va"));
        assertThat(va.index()).isPositive();
        assertThat(va.mtu()).isEqualTo(1500);
        assertThat(va.up()).isTrue();
        assertThat(va.mac()).isNotZero();
        assertThat(va.ipv4()).as("no address configured").isZero();
        Object missing = inNamespace(() -> {
            try {
                return (Object) Link.of("ghost0");
            } catch (LinuxException e) {
                return e;
            }
        });
        assertThat((Throwable) missing).hasMessage("ioctl(SIOCGIFINDEX) on ghost0 failed: ENODEV (No such device)");
    }

    @Test
    void failuresNameTheCallTheInterfaceAndErrno() throws Exception {
        Throwable failure = inNamespace(() -> {
            try {
                PacketSocket.open("ghost0", 999_999, PacketSocket.Options.defaults()).close();
                return null;
            } catch (LinuxException e) {
                return e;
            }
        });
        assertThat(failure).isInstanceOf(LinuxException.class)
                .hasMessage("bind(AF_PACKET) to ghost0 (index 999999) failed: ENODEV (No such device)");
        assertThat(((LinuxException) failure).errno()).isEqualTo(LinuxException.ENODEV);
    }

    @Test
    void aBadSocketCallThrowsWithErrno() {
        assertThatThrownBy(() -> Libc.socket(4242, Libc.SOCK_RAW, 0, "socket(family 4242)"))
                .isInstanceOf(LinuxException.class)
                .hasMessage("socket(family 4242) failed: EAFNOSUPPORT (Address family not supported by protocol)");
    }

    @Test
    void ringOptionsAreValidatedWithMessagesThatTeach() {
        assertThatThrownBy(() -> new PacketSocket.Options(1000, 4, 1, 2048, 64, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rxBlockSize: 1000 (expected: a multiple of 4096)");
        assertThatThrownBy(() -> new PacketSocket.Options(4096, 4, 1, 100, 64, true, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("txFrameSize: 100 (expected: a multiple of 16 that divides 4096, or a multiple of 4096)");
    }

    @Test
    void errnoNamesAndTexts() {
        assertThat(new LinuxException("socket(AF_PACKET)", LinuxException.EPERM))
                .hasMessage("socket(AF_PACKET) failed: EPERM (Operation not permitted)");
        assertThat(LinuxException.name(4711)).isEqualTo("errno 4711");
    }

    @Test
    void nativeAccessIsEnabledInTests() {
        assertThat(Libc.nativeAccessEnabled()).isTrue();
        assertThat(Arena.global()).isNotNull();
    }
}
