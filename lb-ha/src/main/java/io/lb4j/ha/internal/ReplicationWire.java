package io.lb4j.ha.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;

/**
 * The config-replication wire protocol (documented in README-ha.md). Every frame is a 4-byte big-endian length
 * followed by that many bytes, the first of which is the frame type:
 * <pre>
 * HELLO  secondary -> primary  'H' magic(7) challenge(16) appliedEpoch(8) appliedSequence(8)
 * CONFIG primary -> secondary  'C' epoch(8) sequence(8) json(n) mac(32)
 * PING   primary -> secondary  'P' mac(32)                                   (heartbeat while idle)
 * ACK    secondary -> primary  'A' epoch(8) sequence(8) status(1) mac(32)    (answers CONFIG and PING)
 * </pre>
 * Flow-state sync uses the same framing on its own port, with its own magic and label ("lb4j-ha-flows"), so a
 * frame of one protocol never verifies in the other:
 * <pre>
 * HELLO  receiver -> sender    'H' magic "LB4JFS2" challenge(16) zero(16)
 * FLOWS  sender -> receiver    'F' sequence(8) count(2) records mac(32)     (see FlowWire)
 * </pre>
 * {@code mac} is HMAC-SHA256 under the shared secret over a domain label ("lb4j-ha-config" / "lb4j-ha-ack" /
 * "lb4j-ha-ping"), the secondary's per-connection random challenge and every other byte of the frame, so a frame is
 * authentic, intact and valid on this connection only (a recorded CONFIG cannot be replayed to a restarted
 * secondary).
 *
 * <p>A reader takes the length and the type first and checks the length against that type's bound
 * ({@link #maxLength}) before it allocates anything, so an unauthenticated peer can make it hold at most one frame of
 * the type it expects; nothing is decoded before the MAC verifies.
 */
public final class ReplicationWire {

    /** The longest CONFIG frame: a service list of up to 16 MiB of JSON. */
    public static final int MAX_CONFIG_FRAME = 16 * 1024 * 1024;
    public static final byte HELLO = 'H';
    public static final byte CONFIG = 'C';
    public static final byte PING = 'P';
    public static final byte ACK = 'A';
    public static final byte FLOWS = 'F';
    // Version 2: PING, and the ACK's ALIVE status. A version-1 node is told apart at the HELLO, not by a MAC error.
    public static final byte[] FLOWS_MAGIC = "LB4JFS2".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] MAGIC = "LB4JHA2".getBytes(StandardCharsets.US_ASCII);
    public static final int CHALLENGE_LENGTH = 16;
    public static final int MAC_LENGTH = 32;
    public static final byte STATUS_APPLIED = 0;
    public static final byte STATUS_STALE = 1;
    public static final byte STATUS_INVALID = 2;
    /** The answer to a PING: the version carried is the one the secondary holds. */
    public static final byte STATUS_ALIVE = 3;
    private static final int HELLO_LENGTH = 1 + 7 + CHALLENGE_LENGTH + 16;
    private static final int ACK_LENGTH = 1 + 17 + MAC_LENGTH;
    private static final int PING_LENGTH = 1 + MAC_LENGTH;
    private static final byte[] CONFIG_LABEL = "lb4j-ha-config".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACK_LABEL = "lb4j-ha-ack".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING_LABEL = "lb4j-ha-ping".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FLOWS_LABEL = "lb4j-ha-flows".getBytes(StandardCharsets.US_ASCII);

    private ReplicationWire() {
    }

    /** Checks a shared secret: at least 16 bytes (128 bits), or HMAC protects nothing. */
    public static byte[] checkSecret(byte[] secret) {
        if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException("secret: " + (secret == null ? "null" : secret.length + " bytes")
                    + " (expected: at least 16 bytes of shared secret)");
        }
        return secret.clone();
    }

    /** Checks a frame timeout: 2 s to 10 min (the heartbeat comes every second; a longer wait hides a dead peer). */
    public static Duration checkFrameTimeout(Duration timeout) {
        java.util.Objects.requireNonNull(timeout, "frameTimeout");
        if (timeout.compareTo(Duration.ofSeconds(2)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("frameTimeout: " + timeout + " (expected: 2 s to 10 min)");
        }
        return timeout;
    }

    /** Checks a limit of connections served at once: 1-64. */
    public static int checkMaxConnections(int max) {
        if (max < 1 || max > 64) {
            throw new IllegalArgumentException("maxConnections: " + max + " (expected: 1-64)");
        }
        return max;
    }

    public static void writeFrame(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    /**
     * A frame the receiver refuses to hear (an impossible length, an unexpected type, a MAC that does not verify): a
     * protocol violation or an attack, not a network failure. The connection ends.
     */
    public static final class RejectedFrameException extends IOException {
        public RejectedFrameException(String message) {
            super(message);
        }
    }

    /** The longest frame of {@code type} (bytes after the length prefix); 0 for an unknown type. */
    public static int maxLength(byte type) {
        return switch (type) {
            case HELLO -> HELLO_LENGTH;
            case CONFIG -> MAX_CONFIG_FRAME;
            case PING -> PING_LENGTH;
            case ACK -> ACK_LENGTH;
            case FLOWS -> 1 + FlowWire.MAX_BODY + MAC_LENGTH;
            default -> 0;
        };
    }

    /**
     * Reads the next frame and returns it only if it has one of {@code types} and its MAC verifies under
     * {@code secret} and {@code challenge}; null at a clean end of stream.
     *
     * @throws RejectedFrameException naming why the frame was refused
     * @throws IOException            when the connection fails
     */
    public static byte[] readVerified(DataInputStream in, byte[] secret, byte[] challenge, byte... types)
            throws IOException {
        byte[] frame;
        try {
            frame = readFrame(in, types);
        } catch (EOFException e) {
            return null;
        }
        if (!verify(secret, challenge, frame)) {
            throw new RejectedFrameException("HMAC does not verify (tampered, or another secret)");
        }
        return frame;
    }

    /**
     * Reads one frame of one of {@code types}: the length and the type first, checked against the type's
     * {@link #maxLength}, and only then the rest. EOF at a frame boundary is {@link EOFException}.
     *
     * @throws RejectedFrameException when the type is not expected or the length is out of its range
     */
    public static byte[] readFrame(DataInputStream in, byte... types) throws IOException {
        int length = in.readInt();
        if (length < 1) {
            throw new RejectedFrameException("frame length " + length + " (expected: at least 1)");
        }
        byte type = in.readByte();
        int max = 0;
        for (byte t : types) {
            if (t == type) {
                max = maxLength(type);
            }
        }
        if (max == 0) {
            throw new RejectedFrameException("unexpected frame type " + type);
        }
        if (length > max) {
            throw new RejectedFrameException("frame length " + length + " (expected: at most " + max + " for type "
                    + (char) type + ")");
        }
        byte[] frame = new byte[length];
        frame[0] = type;
        in.readFully(frame, 1, length - 1);
        return frame;
    }

    public static byte[] hello(byte[] challenge, long epoch, long sequence) {
        return hello(MAGIC, challenge, epoch, sequence);
    }

    public static byte[] hello(byte[] magic, byte[] challenge, long epoch, long sequence) {
        return ByteBuffer.allocate(1 + magic.length + CHALLENGE_LENGTH + 16).put(HELLO).put(magic).put(challenge)
                .putLong(epoch).putLong(sequence).array();
    }

    /**
     * The challenge of a HELLO frame carrying {@code magic}.
     *
     * @throws IOException naming {@code peer} when the frame is not such a HELLO (another service on that port)
     */
    public static byte[] challengeOf(byte[] hello, byte[] magic, String peer, String expected) throws IOException {
        if (hello.length != 1 + magic.length + CHALLENGE_LENGTH + 16 || hello[0] != HELLO
                || !java.util.Arrays.equals(hello, 1, 1 + magic.length, magic, 0, magic.length)) {
            throw new RejectedFrameException("peer " + peer + " is not an lb4j " + expected + " of protocol "
                    + new String(magic, StandardCharsets.US_ASCII));
        }
        return java.util.Arrays.copyOfRange(hello, 1 + magic.length, 1 + magic.length + CHALLENGE_LENGTH);
    }

    /** A FLOWS frame: {@code body} is sequence, count and records (FlowWire), followed here by the MAC. */
    public static byte[] flows(byte[] secret, byte[] challenge, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(1 + body.length + MAC_LENGTH);
        b.put(FLOWS).put(body);
        b.put(mac(secret, FLOWS_LABEL, challenge, b.array(), 0, b.position()));
        return b.array();
    }

    public static byte[] config(byte[] secret, byte[] challenge, long epoch, long sequence, byte[] json) {
        ByteBuffer b = ByteBuffer.allocate(1 + 16 + json.length + MAC_LENGTH);
        b.put(CONFIG).putLong(epoch).putLong(sequence).put(json);
        b.put(mac(secret, CONFIG_LABEL, challenge, b.array(), 0, b.position()));
        return b.array();
    }

    public static byte[] ping(byte[] secret, byte[] challenge) {
        ByteBuffer b = ByteBuffer.allocate(PING_LENGTH);
        b.put(PING);
        b.put(mac(secret, PING_LABEL, challenge, b.array(), 0, b.position()));
        return b.array();
    }

    public static byte[] ack(byte[] secret, byte[] challenge, long epoch, long sequence, byte status) {
        ByteBuffer b = ByteBuffer.allocate(1 + 16 + 1 + MAC_LENGTH);
        b.put(ACK).putLong(epoch).putLong(sequence).put(status);
        b.put(mac(secret, ACK_LABEL, challenge, b.array(), 0, b.position()));
        return b.array();
    }

    /**
     * Whether the last 32 bytes of a CONFIG, PING, ACK or FLOWS frame are its MAC under {@code secret} and
     * {@code challenge}.
     */
    public static boolean verify(byte[] secret, byte[] challenge, byte[] frame) {
        if (frame.length < 1) {
            return false;
        }
        // The shortest body of each type: a verified frame always has the fields its reader takes.
        int minimum = switch (frame[0]) {
            case CONFIG -> 16;
            case PING -> 0;
            case ACK -> 17;
            case FLOWS -> 10;
            default -> -1;
        };
        if (minimum < 0 || frame.length < 1 + minimum + MAC_LENGTH) {
            return false;
        }
        byte[] label = switch (frame[0]) {
            case CONFIG -> CONFIG_LABEL;
            case PING -> PING_LABEL;
            case ACK -> ACK_LABEL;
            default -> FLOWS_LABEL;
        };
        int body = frame.length - MAC_LENGTH;
        byte[] expected = mac(secret, label, challenge, frame, 0, body);
        byte[] actual = java.util.Arrays.copyOfRange(frame, body, frame.length);
        return MessageDigest.isEqual(expected, actual); // constant time
    }

    private static byte[] mac(byte[] secret, byte[] label, byte[] challenge, byte[] data, int offset, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label);
            mac.update(challenge);
            mac.update(data, offset, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
