package io.lb4j.snmp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The AgentX wire format (RFC 2741), the subagent's half: it encodes Open, Register, Response, Notify, Ping and
 * Close, and decodes what a master agent sends (Get, GetNext, GetBulk, the Set phases, Close, Response).
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |  h.version    |   h.type      |   h.flags     |  &lt;reserved&gt;   |
 * +---------------+---------------+---------------+---------------+
 * |                          h.sessionID                          |
 * |                        h.transactionID                        |
 * |                          h.packetID                           |
 * |                        h.payload_length                       |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * Every multi-byte field is in the byte order the PDU's {@code NETWORK_BYTE_ORDER} flag names; this subagent sends
 * network byte order and reads either. Decoding never trusts a length: an OID longer than 128 sub-identifiers, a
 * string or payload that runs past the PDU, or a payload that is not a multiple of 4 is an
 * {@link AgentxFormatException}.
 */
final class AgentxCodec {

    static final int VERSION = 1;
    static final int HEADER_LENGTH = 20;
    static final int PAYLOAD_LENGTH_OFFSET = 16;
    /** The largest payload this subagent reads; a master's requests are a few KiB. */
    static final int MAX_PAYLOAD = 1 << 20;

    static final int OPEN = 1;
    static final int CLOSE = 2;
    static final int REGISTER = 3;
    static final int GET = 5;
    static final int GET_NEXT = 6;
    static final int GET_BULK = 7;
    static final int TEST_SET = 8;
    static final int COMMIT_SET = 9;
    static final int UNDO_SET = 10;
    static final int CLEANUP_SET = 11;
    static final int NOTIFY = 12;
    static final int PING = 13;
    static final int RESPONSE = 18;

    static final int FLAG_INSTANCE_REGISTRATION = 0x01;
    static final int FLAG_NON_DEFAULT_CONTEXT = 0x08;
    static final int FLAG_NETWORK_BYTE_ORDER = 0x10;

    static final int NO_ERROR = 0;
    /** SNMP's notWritable, the answer to any Set: every LB4J-MIB object is read-only. */
    static final int NOT_WRITABLE = 17;
    static final int PARSE_ERROR = 266;
    static final int PROCESSING_ERROR = 268;

    static final int REASON_OTHER = 1;
    static final int REASON_PARSE_ERROR = 2;
    static final int REASON_PROTOCOL_ERROR = 3;
    static final int REASON_SHUTDOWN = 5;

    private static final String[] TYPE_NAMES = {"?", "Open", "Close", "Register", "Unregister", "Get", "GetNext",
            "GetBulk", "TestSet", "CommitSet", "UndoSet", "CleanupSet", "Notify", "Ping", "IndexAllocate",
            "IndexDeallocate", "AddAgentCaps", "RemoveAgentCaps", "Response"};

    private AgentxCodec() {
    }

    static String typeName(int type) {
        return type > 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "type " + type;
    }

    /**
     * The payload length of the PDU whose header starts at {@code at} in {@code buffer} (20 bytes must be there).
     *
     * @throws AgentxFormatException when the header cannot start a PDU: another version, or a length that is not
     *                               a multiple of 4 or above {@link #MAX_PAYLOAD}. The stream cannot be trusted after.
     */
    static int payloadLength(ByteBuffer buffer, int at) throws AgentxFormatException {
        int version = buffer.get(at) & 0xFF;
        if (version != VERSION) {
            throw new AgentxFormatException("h.version " + version + " (expected: 1)");
        }
        ByteOrder order = (buffer.get(at + 2) & FLAG_NETWORK_BYTE_ORDER) != 0
                ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long length = Integer.toUnsignedLong(buffer.duplicate().order(order).getInt(at + PAYLOAD_LENGTH_OFFSET));
        if (length % 4 != 0 || length > MAX_PAYLOAD) {
            throw new AgentxFormatException("h.payload_length " + length + " (expected: a multiple of 4, at most "
                    + MAX_PAYLOAD + ")");
        }
        return (int) length;
    }

    /** Decodes one whole PDU: {@code pdu} holds exactly its header and payload. */
    static AgentxPdu decode(ByteBuffer pdu) throws AgentxFormatException {
        ByteBuffer in = pdu.slice();
        if (in.remaining() < HEADER_LENGTH) {
            throw new AgentxFormatException("PDU of " + in.remaining() + " bytes (expected: at least 20)");
        }
        int length = payloadLength(in, 0);
        if (in.remaining() != HEADER_LENGTH + length) {
            throw new AgentxFormatException("PDU of " + in.remaining() + " bytes, h.payload_length " + length);
        }
        in.get(); // version, checked above
        int type = in.get() & 0xFF;
        int flags = in.get() & 0xFF;
        in.get();
        in.order((flags & FLAG_NETWORK_BYTE_ORDER) != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int sessionId = in.getInt();
        int transactionId = in.getInt();
        int packetId = in.getInt();
        in.getInt();
        List<AgentxPdu.SearchRange> ranges = List.of();
        int nonRepeaters = 0;
        int maxRepetitions = 0;
        int error = 0;
        int errorIndex = 0;
        int reason = 0;
        switch (type) {
            case GET, GET_NEXT, GET_BULK -> {
                skipContext(in, flags);
                if (type == GET_BULK) {
                    need(in, 4, "GetBulk's repeaters");
                    nonRepeaters = Short.toUnsignedInt(in.getShort());
                    maxRepetitions = Short.toUnsignedInt(in.getShort());
                }
                ranges = searchRanges(in);
            }
            case TEST_SET, COMMIT_SET, UNDO_SET, CLEANUP_SET, PING -> in.position(in.limit()); // nothing we use
            case CLOSE -> {
                need(in, 4, "Close's reason");
                reason = in.get() & 0xFF;
                in.position(in.position() + 3);
            }
            case RESPONSE -> {
                need(in, 8, "Response's fields");
                in.getInt(); // sysUpTime
                error = Short.toUnsignedInt(in.getShort());
                errorIndex = Short.toUnsignedInt(in.getShort());
                in.position(in.limit()); // the varbinds of a response to Open/Register/Notify/Ping: none we need
            }
            default -> in.position(in.limit());
        }
        if (in.hasRemaining()) {
            throw new AgentxFormatException(typeName(type) + " has " + in.remaining() + " bytes after its fields");
        }
        return new AgentxPdu(type, flags, sessionId, transactionId, packetId, ranges, nonRepeaters, maxRepetitions,
                error, errorIndex, reason);
    }

    private static void skipContext(ByteBuffer in, int flags) throws AgentxFormatException {
        if ((flags & FLAG_NON_DEFAULT_CONTEXT) != 0) {
            octetString(in);
        }
    }

    private static List<AgentxPdu.SearchRange> searchRanges(ByteBuffer in) throws AgentxFormatException {
        List<AgentxPdu.SearchRange> ranges = new ArrayList<>();
        while (in.hasRemaining()) {
            boolean[] include = new boolean[1];
            Oid start = oid(in, include);
            Oid end = oid(in, null);
            ranges.add(new AgentxPdu.SearchRange(start, include[0], end));
        }
        return ranges;
    }

    /** Section 5.1: n_subid, prefix, include, reserved, then the sub-identifiers. */
    static Oid oid(ByteBuffer in, boolean[] include) throws AgentxFormatException {
        need(in, 4, "an OID's header");
        int count = in.get() & 0xFF;
        int prefix = in.get() & 0xFF;
        boolean included = in.get() != 0;
        in.get();
        if (count > Oid.MAX_LENGTH) {
            throw new AgentxFormatException("OID of " + count + " sub-identifiers (expected: at most 128)");
        }
        need(in, 4L * count, "an OID's " + count + " sub-identifiers");
        int head = prefix == 0 ? 0 : 5;
        if (count == 0 && prefix == 0) {
            if (include != null) {
                include[0] = included;
            }
            return Oid.NULL;
        }
        int[] subids = new int[head + count];
        if (head > 0) {
            subids[0] = 1;
            subids[1] = 3;
            subids[2] = 6;
            subids[3] = 1;
            subids[4] = prefix;
        }
        for (int i = 0; i < count; i++) {
            subids[head + i] = in.getInt();
        }
        if (include != null) {
            include[0] = included;
        }
        return Oid.of(subids);
    }

    private static byte[] octetString(ByteBuffer in) throws AgentxFormatException {
        need(in, 4, "an octet string's length");
        long length = Integer.toUnsignedLong(in.getInt());
        long padded = (length + 3) & ~3L;
        need(in, padded, "an octet string of " + length + " bytes");
        byte[] bytes = new byte[(int) length];
        in.get(bytes);
        in.position(in.position() + (int) (padded - length));
        return bytes;
    }

    private static void need(ByteBuffer in, long bytes, String what) throws AgentxFormatException {
        if (in.remaining() < bytes) {
            throw new AgentxFormatException(what + " needs " + bytes + " bytes, " + in.remaining() + " left");
        }
    }

    // ---- encoding: always network byte order ----

    static ByteBuffer open(int packetId, int timeoutSeconds, Oid id, String description) {
        Out out = new Out(OPEN, 0, 0, 0, packetId);
        out.u8(timeoutSeconds).u8(0).u8(0).u8(0);
        out.oid(id, false);
        out.octets(description.getBytes(StandardCharsets.UTF_8));
        return out.finish();
    }

    static ByteBuffer register(int sessionId, int packetId, Oid subtree, int priority) {
        Out out = new Out(REGISTER, 0, sessionId, 0, packetId);
        out.u8(0).u8(priority).u8(0).u8(0);
        out.oid(subtree, false);
        return out.finish();
    }

    static ByteBuffer response(AgentxPdu request, int sysUpTime, int error, int errorIndex, List<Varbind> varbinds) {
        Out out = new Out(RESPONSE, 0, request.sessionId(), request.transactionId(), request.packetId());
        out.u32(sysUpTime).u16(error).u16(errorIndex);
        for (Varbind v : varbinds) {
            out.varbind(v);
        }
        return out.finish();
    }

    static ByteBuffer notify(int sessionId, int packetId, List<Varbind> varbinds) {
        Out out = new Out(NOTIFY, 0, sessionId, 0, packetId);
        for (Varbind v : varbinds) {
            out.varbind(v);
        }
        return out.finish();
    }

    static ByteBuffer ping(int sessionId, int packetId) {
        return new Out(PING, 0, sessionId, 0, packetId).finish();
    }

    static ByteBuffer close(int sessionId, int packetId, int reason) {
        Out out = new Out(CLOSE, 0, sessionId, 0, packetId);
        out.u8(reason).u8(0).u8(0).u8(0);
        return out.finish();
    }

    /** A growing big-endian buffer that starts with a header and fills in the payload length at the end. */
    private static final class Out {
        private ByteBuffer buffer = ByteBuffer.allocate(256);

        Out(int type, int flags, int sessionId, int transactionId, int packetId) {
            u8(VERSION).u8(type).u8(flags | FLAG_NETWORK_BYTE_ORDER).u8(0);
            u32(sessionId).u32(transactionId).u32(packetId).u32(0);
        }

        private Out room(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
            return this;
        }

        Out u8(int v) {
            room(1).buffer.put((byte) v);
            return this;
        }

        Out u16(int v) {
            room(2).buffer.putShort((short) v);
            return this;
        }

        Out u32(int v) {
            room(4).buffer.putInt(v);
            return this;
        }

        Out oid(Oid oid, boolean include) {
            int prefix = 0;
            int from = 0;
            if (oid.length() >= 5 && oid.get(0) == 1 && oid.get(1) == 3 && oid.get(2) == 6 && oid.get(3) == 1
                    && oid.get(4) > 0 && oid.get(4) < 256) {
                prefix = oid.get(4);
                from = 5;
            }
            u8(oid.length() - from).u8(prefix).u8(include ? 1 : 0).u8(0);
            for (int i = from; i < oid.length(); i++) {
                u32(oid.get(i));
            }
            return this;
        }

        Out octets(byte[] bytes) {
            u32(bytes.length);
            room(bytes.length + 3).buffer.put(bytes);
            for (int pad = (4 - bytes.length % 4) % 4; pad > 0; pad--) {
                buffer.put((byte) 0);
            }
            return this;
        }

        Out varbind(Varbind v) {
            u16(v.type()).u16(0);
            oid(v.name(), false);
            switch (v.type()) {
                case Varbind.INTEGER, Varbind.COUNTER32, Varbind.GAUGE32, Varbind.TIME_TICKS ->
                        u32((int) (long) (Long) v.value());
                case Varbind.COUNTER64 -> {
                    long value = (Long) v.value();
                    u32((int) (value >>> 32)).u32((int) value);
                }
                case Varbind.OCTET_STRING, Varbind.IP_ADDRESS, Varbind.OPAQUE -> octets((byte[]) v.value());
                case Varbind.OBJECT_IDENTIFIER -> oid((Oid) v.value(), false);
                default -> { } // Null and the exceptions carry no data
            }
            return this;
        }

        ByteBuffer finish() {
            buffer.putInt(PAYLOAD_LENGTH_OFFSET, buffer.position() - HEADER_LENGTH);
            return buffer.flip();
        }
    }

}
