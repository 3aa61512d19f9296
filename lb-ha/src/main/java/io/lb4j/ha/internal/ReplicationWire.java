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

/**
 * The config-replication wire protocol (documented in README-ha.md). Every frame is a 4-byte big-endian length
 * (at most {@link #MAX_FRAME}) followed by that many bytes, the first of which is the frame type:
 * <pre>
 * HELLO  secondary -> primary  'H' magic(7) challenge(16) appliedEpoch(8) appliedSequence(8)
 * CONFIG primary -> secondary  'C' epoch(8) sequence(8) json(n) mac(32)
 * ACK    secondary -> primary  'A' epoch(8) sequence(8) status(1) mac(32)
 * </pre>
 * Flow-state sync uses the same framing on its own port, with its own magic and label ("lb4j-ha-flows"), so a
 * frame of one protocol never verifies in the other:
 * <pre>
 * HELLO  receiver -> sender    'H' magic "LB4JFS1" challenge(16) zero(16)
 * FLOWS  sender -> receiver    'F' sequence(8) count(2) records mac(32)     (see FlowWire)
 * </pre>
 * {@code mac} is HMAC-SHA256 under the shared secret over a domain label ("lb4j-ha-config" / "lb4j-ha-ack"), the
 * secondary's per-connection random challenge and every other byte of the frame, so a frame is authentic, intact
 * and valid on this connection only (a recorded CONFIG cannot be replayed to a restarted secondary).
 */
public final class ReplicationWire {

    public static final int MAX_FRAME = 16 * 1024 * 1024;
    public static final byte HELLO = 'H';
    public static final byte CONFIG = 'C';
    public static final byte ACK = 'A';
    public static final byte FLOWS = 'F';
    public static final byte[] FLOWS_MAGIC = "LB4JFS1".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] MAGIC = "LB4JHA1".getBytes(StandardCharsets.US_ASCII);
    public static final int CHALLENGE_LENGTH = 16;
    public static final int MAC_LENGTH = 32;
    public static final byte STATUS_APPLIED = 0;
    public static final byte STATUS_STALE = 1;
    public static final byte STATUS_INVALID = 2;
    private static final byte[] CONFIG_LABEL = "lb4j-ha-config".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACK_LABEL = "lb4j-ha-ack".getBytes(StandardCharsets.US_ASCII);
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
        RejectedFrameException(String message) {
            super(message);
        }
    }

    /**
     * Reads the next frame and returns it only if it has type {@code type} and its MAC verifies under
     * {@code secret} and {@code challenge}; null at a clean end of stream.
     *
     * @throws RejectedFrameException naming why the frame was refused
     * @throws IOException            when the connection fails
     */
    public static byte[] readVerified(DataInputStream in, byte[] secret, byte[] challenge, byte type)
            throws IOException {
        byte[] frame;
        try {
            frame = readFrame(in);
        } catch (EOFException e) {
            return null;
        }
        if (frame[0] != type) {
            throw new RejectedFrameException("unexpected frame type " + frame[0]);
        }
        if (!verify(secret, challenge, frame)) {
            throw new RejectedFrameException("HMAC does not verify (tampered, or another secret)");
        }
        return frame;
    }

    /**
     * Reads one frame; EOF at a frame boundary is {@link EOFException}.
     *
     * @throws RejectedFrameException when the length prefix is out of range
     */
    public static byte[] readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 1 || length > MAX_FRAME) {
            throw new RejectedFrameException("frame length " + length + " (expected: 1-" + MAX_FRAME + ")");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
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
            throw new IOException("peer " + peer + " is not an lb4j " + expected);
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

    public static byte[] ack(byte[] secret, byte[] challenge, long epoch, long sequence, byte status) {
        ByteBuffer b = ByteBuffer.allocate(1 + 16 + 1 + MAC_LENGTH);
        b.put(ACK).putLong(epoch).putLong(sequence).put(status);
        b.put(mac(secret, ACK_LABEL, challenge, b.array(), 0, b.position()));
        return b.array();
    }

    /** Whether the last 32 bytes of a CONFIG, ACK or FLOWS frame are its MAC under {@code secret} and {@code challenge}. */
    public static boolean verify(byte[] secret, byte[] challenge, byte[] frame) {
        if (frame.length < 1) {
            return false;
        }
        // The shortest body of each type: a verified frame always has the fields its reader takes.
        int minimum = switch (frame[0]) {
            case CONFIG -> 16;
            case ACK -> 17;
            case FLOWS -> 10;
            default -> -1;
        };
        if (minimum < 0 || frame.length < 1 + minimum + MAC_LENGTH) {
            return false;
        }
        byte[] label = frame[0] == CONFIG ? CONFIG_LABEL : frame[0] == ACK ? ACK_LABEL : FLOWS_LABEL;
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
