package io.lb4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Just enough of the DICOM Upper Layer (PS3.8) and DIMSE (PS3.7) for a Verification (C-ECHO) conversation, both
 * sides, over blocking sockets: the demo clusters answer it as a PACS would, and the demo's clients use it through
 * the VIP. PDU fields are big-endian; command elements are Implicit VR Little Endian.
 *
 * <pre>
 *  PDU:  type(1) reserved(1) length(4, bytes after it)  body...
 *  PDV:  length(4) presentation-context-id(1) header(1: bit0 command, bit1 last fragment) data...
 * </pre>
 *
 * <p>The SCP puts its cluster's name in the A-ASSOCIATE-AC's Implementation Version Name, which is how a demo
 * client tells which cluster answered through the VIP.
 */
final class Dicom {

    static final int A_ASSOCIATE_RQ = 0x01;
    static final int A_ASSOCIATE_AC = 0x02;
    static final int P_DATA_TF = 0x04;
    static final int A_RELEASE_RQ = 0x05;
    static final int A_RELEASE_RP = 0x06;
    static final int A_ABORT = 0x07;

    static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    static final String VERIFICATION = "1.2.840.10008.1.1";
    static final String IMPLICIT_VR_LE = "1.2.840.10008.1.2";
    /** A UUID-derived UID (PS3.5 B.2) for the demo's implementation. */
    static final String IMPLEMENTATION_CLASS_UID = "2.25.330275531853218370283447236618130584337";

    static final int C_ECHO_RQ = 0x0030;
    static final int C_ECHO_RSP = 0x8030;
    private static final int MAX_PDU = 64 * 1024;

    private Dicom() {
    }

    /** One PDU as read: its type and body (the bytes after the 6-byte header). */
    record Pdu(int type, byte[] body) {
    }

    // ------------------------------------------------------------------------------------------------ SCP

    /**
     * Serves one association on {@code socket} until release or abort: accepts the Verification SOP Class with
     * Implicit VR Little Endian (rejects other presentation contexts), answers every C-ECHO-RQ with status 0.
     */
    static void serve(Socket socket, String implementationName) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        while (true) {
            Pdu pdu = read(in);
            switch (pdu.type()) {
                case A_ASSOCIATE_RQ -> out.write(associateAc(pdu.body(), implementationName));
                case P_DATA_TF -> {
                    ByteBuffer b = ByteBuffer.wrap(pdu.body());
                    while (b.remaining() >= 6) {
                        int length = b.getInt();
                        int pcId = b.get() & 0xff;
                        int header = b.get() & 0xff;
                        byte[] data = new byte[length - 2];
                        b.get(data);
                        if ((header & 0x01) != 0) {
                            command.write(data);
                            if ((header & 0x02) != 0) {
                                int[] fields = commandFields(command.toByteArray());
                                command.reset();
                                if (fields[0] == C_ECHO_RQ) {
                                    out.write(pData(pcId, echoRsp(fields[1])));
                                }
                            }
                        }
                    }
                }
                case A_RELEASE_RQ -> {
                    out.write(new byte[] {A_RELEASE_RP, 0, 0, 0, 0, 4, 0, 0, 0, 0});
                    out.flush();
                    return;
                }
                default -> {
                    return; // A-ABORT or anything unexpected: drop the association
                }
            }
            out.flush();
        }
    }

    private static byte[] associateAc(byte[] rq, String implementationName) {
        ByteBuffer in = ByteBuffer.wrap(rq);
        byte[] calledAndCalling = Arrays.copyOfRange(rq, 4, 36);
        in.position(68); // version, reserved, called AE, calling AE, 32 reserved bytes
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        item(items, 0x10, text(APPLICATION_CONTEXT));
        while (in.remaining() >= 4) {
            int type = in.get() & 0xff;
            in.get();
            int length = in.getShort() & 0xffff;
            byte[] value = new byte[length];
            in.get(value);
            if (type == 0x20) {
                items.writeBytes(presentationResult(value));
            }
        }
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, ByteBuffer.allocate(4).putInt(16384).array());
        item(user, 0x52, text(IMPLEMENTATION_CLASS_UID));
        item(user, 0x55, text(implementationName.length() > 16 ? implementationName.substring(0, 16) : implementationName));
        item(items, 0x50, user.toByteArray());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 1, 0, 0});
        body.writeBytes(calledAndCalling); // PS3.8 9.3.3: returned as received
        body.writeBytes(new byte[32]);
        body.writeBytes(items.toByteArray());
        return pdu(A_ASSOCIATE_AC, body.toByteArray());
    }

    /** A presentation-context result item (0x21) for one proposed context (0x20). */
    private static byte[] presentationResult(byte[] proposed) {
        int id = proposed[0] & 0xff;
        ByteBuffer b = ByteBuffer.wrap(proposed);
        b.position(4);
        String abstractSyntax = "";
        List<String> transfers = new ArrayList<>();
        while (b.remaining() >= 4) {
            int type = b.get() & 0xff;
            b.get();
            byte[] v = new byte[b.getShort() & 0xffff];
            b.get(v);
            String uid = new String(v, StandardCharsets.US_ASCII).trim().replace("\0", "");
            if (type == 0x30) {
                abstractSyntax = uid;
            } else if (type == 0x40) {
                transfers.add(uid);
            }
        }
        // 0 acceptance, 3 abstract syntax not supported, 4 transfer syntaxes not supported.
        int result = !abstractSyntax.equals(VERIFICATION) ? 3 : transfers.contains(IMPLICIT_VR_LE) ? 0 : 4;
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        value.writeBytes(new byte[] {(byte) id, 0, (byte) result, 0});
        item(value, 0x40, text(IMPLICIT_VR_LE));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        item(out, 0x21, value.toByteArray());
        return out.toByteArray();
    }

    /** {command field, message id} of a command set; -1 where absent. */
    private static int[] commandFields(byte[] command) {
        ByteBuffer b = ByteBuffer.wrap(command).order(ByteOrder.LITTLE_ENDIAN);
        int field = -1;
        int messageId = -1;
        int status = -1;
        while (b.remaining() >= 8) {
            int group = b.getShort() & 0xffff;
            int element = b.getShort() & 0xffff;
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                break;
            }
            if (group == 0 && length == 2) {
                int v = b.getShort(b.position()) & 0xffff;
                switch (element) {
                    case 0x0100 -> field = v;
                    case 0x0110, 0x0120 -> messageId = v;
                    case 0x0900 -> status = v;
                    default -> { }
                }
            }
            b.position(b.position() + length);
        }
        return new int[] {field, messageId, status};
    }

    // ------------------------------------------------------------------------------------------------ SCU

    /**
     * Associates, sends a C-ECHO-RQ, checks for status 0 and releases; returns the SCP's Implementation Version Name
     * (the demo cluster's name).
     *
     * @throws IOException when any step fails, saying which
     */
    static String echo(InetSocketAddress target, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write(associateRq("ANY-SCP", "LB4J-DEMO"));
            out.flush();
            Pdu ac = read(in);
            if (ac.type() != A_ASSOCIATE_AC) {
                throw new IOException("association not accepted (PDU type " + ac.type() + ")");
            }
            String name = implementationName(ac.body());
            out.write(pData(1, echoRq(7)));
            out.flush();
            Pdu rsp = read(in);
            if (rsp.type() != P_DATA_TF) {
                throw new IOException("no C-ECHO-RSP (PDU type " + rsp.type() + ")");
            }
            int[] fields = commandFields(Arrays.copyOfRange(rsp.body(), 6, rsp.body().length));
            if (fields[0] != C_ECHO_RSP || fields[2] != 0) {
                throw new IOException(String.format("C-ECHO failed: command 0x%04X status 0x%04X", fields[0], fields[2]));
            }
            out.write(new byte[] {A_RELEASE_RQ, 0, 0, 0, 0, 4, 0, 0, 0, 0});
            out.flush();
            if (read(in).type() != A_RELEASE_RP) {
                throw new IOException("no A-RELEASE-RP");
            }
            return name;
        }
    }

    private static byte[] associateRq(String called, String calling) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 1, 0, 0});
        body.writeBytes(aeTitle(called));
        body.writeBytes(aeTitle(calling));
        body.writeBytes(new byte[32]);
        item(body, 0x10, text(APPLICATION_CONTEXT));
        ByteArrayOutputStream pc = new ByteArrayOutputStream();
        pc.writeBytes(new byte[] {1, 0, 0, 0});
        item(pc, 0x30, text(VERIFICATION));
        item(pc, 0x40, text(IMPLICIT_VR_LE));
        item(body, 0x20, pc.toByteArray());
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, ByteBuffer.allocate(4).putInt(16384).array());
        item(user, 0x52, text(IMPLEMENTATION_CLASS_UID));
        item(body, 0x50, user.toByteArray());
        return pdu(A_ASSOCIATE_RQ, body.toByteArray());
    }

    private static String implementationName(byte[] ac) {
        ByteBuffer b = ByteBuffer.wrap(ac);
        b.position(68);
        while (b.remaining() >= 4) {
            int type = b.get() & 0xff;
            b.get();
            byte[] v = new byte[b.getShort() & 0xffff];
            b.get(v);
            if (type == 0x50) {
                ByteBuffer u = ByteBuffer.wrap(v);
                while (u.remaining() >= 4) {
                    int t = u.get() & 0xff;
                    u.get();
                    byte[] w = new byte[u.getShort() & 0xffff];
                    u.get(w);
                    if (t == 0x55) {
                        return new String(w, StandardCharsets.US_ASCII).trim();
                    }
                }
            }
        }
        return "?";
    }

    private static byte[] echoRq(int messageId) {
        return command(VERIFICATION, C_ECHO_RQ, 0x0110, messageId, -1);
    }

    private static byte[] echoRsp(int respondedTo) {
        return command(VERIFICATION, C_ECHO_RSP, 0x0120, respondedTo, 0x0000);
    }

    /** A command set: group length, affected SOP class, command field, message id element, no data set, status. */
    private static byte[] command(String sopClass, int field, int idElement, int id, int status) {
        ByteBuffer rest = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        byte[] uid = ascii(sopClass);
        element(rest, 0x0002, uid);
        element(rest, 0x0100, us(field));
        element(rest, idElement, us(id));
        element(rest, 0x0800, us(0x0101)); // no data set follows
        if (status >= 0) {
            element(rest, 0x0900, us(status));
        }
        ByteBuffer all = ByteBuffer.allocate(12 + rest.position()).order(ByteOrder.LITTLE_ENDIAN);
        element(all, 0x0000, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(rest.position()).array());
        all.put(rest.array(), 0, rest.position());
        return all.array();
    }

    private static void element(ByteBuffer b, int element, byte[] value) {
        b.putShort((short) 0).putShort((short) element).putInt(value.length).put(value);
    }

    private static byte[] us(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8)};
    }

    private static byte[] pData(int pcId, byte[] command) {
        ByteBuffer b = ByteBuffer.allocate(6 + command.length);
        b.putInt(command.length + 2).put((byte) pcId).put((byte) 0x03).put(command);
        return pdu(P_DATA_TF, b.array());
    }

    // ------------------------------------------------------------------------------------------------ framing

    static Pdu read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed");
        }
        in.readUnsignedByte();
        int length = in.readInt();
        if (length < 0 || length > MAX_PDU) {
            throw new IOException("PDU length " + length + " (expected: 0-" + MAX_PDU + ")");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new Pdu(type, body);
    }

    private static byte[] pdu(int type, byte[] body) {
        return ByteBuffer.allocate(6 + body.length).put((byte) type).put((byte) 0).putInt(body.length).put(body).array();
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write(value.length >> 8);
        out.write(value.length);
        out.writeBytes(value);
    }

    /** Upper Layer item values: plain ASCII, not padded (PS3.8 9.3.2.2). */
    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A UID in a command set: ASCII padded with NUL to an even length (PS3.5 9.1). */
    private static byte[] ascii(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return b.length % 2 == 0 ? b : Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] aeTitle(String title) {
        byte[] b = Arrays.copyOf(title.getBytes(StandardCharsets.US_ASCII), 16);
        for (int i = title.length(); i < 16; i++) {
            b[i] = ' ';
        }
        return b;
    }
}
