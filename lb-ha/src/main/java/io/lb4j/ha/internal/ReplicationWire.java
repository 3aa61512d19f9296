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
 * {@code mac} is HMAC-SHA256 under the shared secret over a domain label ("lb4j-ha-config" / "lb4j-ha-ack"), the
 * secondary's per-connection random challenge and every other byte of the frame, so a frame is authentic, intact
 * and valid on this connection only (a recorded CONFIG cannot be replayed to a restarted secondary).
 */
public final class ReplicationWire {

    public static final int MAX_FRAME = 16 * 1024 * 1024;
    public static final byte HELLO = 'H';
    public static final byte CONFIG = 'C';
    public static final byte ACK = 'A';
    public static final byte[] MAGIC = "LB4JHA1".getBytes(StandardCharsets.US_ASCII);
    public static final int CHALLENGE_LENGTH = 16;
    public static final int MAC_LENGTH = 32;
    public static final byte STATUS_APPLIED = 0;
    public static final byte STATUS_STALE = 1;
    public static final byte STATUS_INVALID = 2;
    private static final byte[] CONFIG_LABEL = "lb4j-ha-config".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACK_LABEL = "lb4j-ha-ack".getBytes(StandardCharsets.US_ASCII);

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

    /** Reads one frame; EOF at a frame boundary is {@link EOFException}. */
    public static byte[] readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 1 || length > MAX_FRAME) {
            throw new IOException("frame length " + length + " (expected: 1-" + MAX_FRAME + ")");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
    }

    public static byte[] hello(byte[] challenge, long epoch, long sequence) {
        return ByteBuffer.allocate(1 + MAGIC.length + CHALLENGE_LENGTH + 16).put(HELLO).put(MAGIC).put(challenge)
                .putLong(epoch).putLong(sequence).array();
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

    /** Whether the last 32 bytes of a CONFIG or ACK frame are its MAC under {@code secret} and {@code challenge}. */
    public static boolean verify(byte[] secret, byte[] challenge, byte[] frame) {
        if (frame.length < 1 + 16 + MAC_LENGTH) {
            return false;
        }
        byte[] label = frame[0] == CONFIG ? CONFIG_LABEL : frame[0] == ACK ? ACK_LABEL : null;
        if (label == null) {
            return false;
        }
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
