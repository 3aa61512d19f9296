package io.lb4j.snmp;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.proxy.ProxyEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What net-snmp never sends, sent by a master written here byte by byte: a PDU whose payload breaks the encoding is
 * answered with parseError and counted, and the session goes on; a little-endian request is answered; a header that
 * breaks the framing ends the connection, is counted, and the agent connects again.
 */
class AgentxFakeMasterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private ServerSocketChannel master;
    private LoadBalancer lb;
    private SnmpAgent agent;
    private final ExecutorService accepter = Executors.newSingleThreadExecutor();

    @BeforeEach
    void startAMasterAndAnAgent() throws IOException {
        Path socket = tmp.resolve("master");
        master = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        lb = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                .service(VirtualService.proxy().label("PACS").address("127.0.0.1").ports(1)
                        .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100)).build())
                .build();
        agent = SnmpAgent.builder().agentx(socket.toString())
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build().start(lb);
    }

    @AfterEach
    void stop() throws IOException {
        agent.close();
        lb.stop(Duration.ZERO);
        master.close();
        accepter.shutdownNow();
    }

    @Test
    void aMalformedPayloadIsAnsweredWithParseErrorAndTheSessionGoesOn() throws Exception {
        try (SocketChannel c = acceptAndRegister()) {
            // A Get whose one OID claims 200 sub-identifiers (at most 128): the framing holds, the payload does not.
            ByteBuffer bad = pdu(AgentxCodec.GET, true, 7, 1, 100, ByteBuffer.allocate(8)
                    .put((byte) 200).put((byte) 4).put((byte) 0).put((byte) 0).putInt(1).flip());
            c.write(bad);

            ByteBuffer answer = read(c);
            assertThat(answer.get(1)).isEqualTo((byte) AgentxCodec.RESPONSE);
            assertThat(answer.getInt(12)).as("packet id").isEqualTo(100);
            assertThat(Short.toUnsignedInt(answer.getShort(24))).as("error").isEqualTo(AgentxCodec.PARSE_ERROR);
            assertThat(agent.stats().malformedPdus()).isEqualTo(1);

            c.write(get(true, 101));
            ByteBuffer vrrp = read(c);
            assertThat(Short.toUnsignedInt(vrrp.getShort(24))).isZero();
            assertThat(vrrp.getInt(vrrp.limit() - 4)).as("lb4jNodeVrrpState.0: standalone(1)").isEqualTo(1);
        }
    }

    @Test
    void aLittleEndianRequestIsAnsweredInNetworkByteOrder() throws Exception {
        try (SocketChannel c = acceptAndRegister()) {
            c.write(get(false, 102));

            ByteBuffer answer = read(c);
            assertThat(answer.get(2) & AgentxCodec.FLAG_NETWORK_BYTE_ORDER).isNotZero();
            assertThat(answer.getInt(12)).isEqualTo(102);
            assertThat(answer.getShort(22 + 2)).isZero();
            assertThat(answer.getInt(answer.limit() - 4)).isEqualTo(1);
        }
    }

    @Test
    void aBrokenHeaderEndsTheConnectionAndTheAgentConnectsAgain() throws Exception {
        try (SocketChannel c = acceptAndRegister()) {
            byte[] header = new byte[20];
            header[0] = 9; // h.version 9: nothing after it can be framed
            c.write(ByteBuffer.wrap(header));

            try (SocketChannel again = acceptAndRegister()) {
                assertThat(agent.stats().malformedPdus()).isEqualTo(1);
                again.write(get(true, 103));
                assertThat(read(again).getInt(12)).isEqualTo(103);
            }
        }
    }

    /** Accepts the agent's connection and answers its Open and Register as snmpd does. */
    private SocketChannel acceptAndRegister() throws Exception {
        Future<SocketChannel> accepted = accepter.submit(master::accept);
        SocketChannel c = accepted.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        ByteBuffer open = read(c);
        assertThat(open.get(1)).isEqualTo((byte) AgentxCodec.OPEN);
        c.write(response(open, 42));
        ByteBuffer register = read(c);
        assertThat(register.get(1)).isEqualTo((byte) AgentxCodec.REGISTER);
        assertThat(register.getInt(4)).as("the session id snmpd gave").isEqualTo(42);
        c.write(response(register, 42));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!agent.stats().connected()) {
            assertThat(System.nanoTime()).as("the agent reports the session open").isLessThan(deadline);
            Thread.sleep(5);
        }
        return c;
    }

    /** A Get of lb4jNodeVrrpState.0 in either byte order. */
    private static ByteBuffer get(boolean networkOrder, int packetId) {
        Oid name = Lb4jMib.NODE_VRRP_STATE.append(0); // 1.3.6.1.4.1.32473.4.1.3.1.0: prefix 4, then 8 sub-ids
        ByteBuffer payload = ByteBuffer.allocate(4 + 4 * 8 + 4)
                .order(networkOrder ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        payload.put((byte) (name.length() - 5)).put((byte) 4).put((byte) 0).put((byte) 0);
        for (int i = 5; i < name.length(); i++) {
            payload.putInt(name.get(i));
        }
        payload.putInt(0); // the null end OID
        return pdu(AgentxCodec.GET, networkOrder, 42, 1, packetId, payload.flip());
    }

    private static ByteBuffer pdu(int type, boolean networkOrder, int session, int transaction, int packet,
                                  ByteBuffer payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.remaining())
                .order(networkOrder ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).put((byte) type).put((byte) (networkOrder ? AgentxCodec.FLAG_NETWORK_BYTE_ORDER : 0))
                .put((byte) 0).putInt(session).putInt(transaction).putInt(packet).putInt(payload.remaining())
                .put(payload);
        return b.flip();
    }

    private static ByteBuffer response(ByteBuffer request, int sessionId) {
        ByteBuffer payload = ByteBuffer.allocate(8).putInt(0).putShort((short) 0).putShort((short) 0).flip();
        return pdu(AgentxCodec.RESPONSE, true, sessionId, request.getInt(8), request.getInt(12), payload);
    }

    /** One whole PDU from the agent (it always sends network byte order). */
    private static ByteBuffer read(SocketChannel c) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(20);
        readFully(c, header);
        ByteBuffer whole = ByteBuffer.allocate(20 + header.getInt(16));
        whole.put(header.flip());
        readFully(c, whole);
        return whole.flip();
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("the agent closed the connection");
            }
        }
    }
}
