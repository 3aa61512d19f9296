package io.lb4j.alerts.internal;

import io.lb4j.alerts.Syslog;
import io.lb4j.alerts.syslog.SyslogMessage;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * RFC 5424 messages over UDP (one datagram each) or TCP (octet counting on one kept connection, reopened after an
 * error so that a retry reconnects).
 */
public final class SyslogSender implements Sender {

    /** Connect timeout for TCP; a write that blocks longer than the socket's buffers is the collector's problem. */
    private static final int CONNECT_MILLIS = 10_000;

    private final Syslog syslog;
    private final String host;
    private final String procId = Long.toString(ProcessHandle.current().pid());
    private Socket tcp; // TCP only; null until connected, or after an error
    private DatagramSocket udp;

    public SyslogSender(Syslog syslog, String host) {
        this.syslog = syslog;
        this.host = host;
    }

    /** The message for a notice: MSGID {@code alert} or {@code digest}, the fields as structured data. */
    public static SyslogMessage message(Notice n, int facility, String host, String procId) {
        var a = n.alert();
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("kind", a.kind().name());
        params.put("name", a.name());
        params.put("state", a.state());
        params.put("count", Integer.toString(n.count()));
        return new SyslogMessage(facility, a.severity().syslogCode(), a.at(), host, "lb4j", procId,
                n.summary() ? "digest" : "alert", Map.of("alert@32473", params), n.subject(host) + ": "
                + AlertText.message(n));
    }

    @Override
    public void send(Notice notice) throws IOException {
        SyslogMessage m = message(notice, syslog.facilityCode(), host, procId);
        InetSocketAddress to = new InetSocketAddress(syslog.host(), syslog.port());
        if (to.isUnresolved()) {
            throw new IOException("cannot resolve " + syslog.host());
        }
        if (syslog.transport() == Syslog.Transport.UDP) {
            if (udp == null) {
                udp = new DatagramSocket();
            }
            byte[] bytes = m.format().getBytes(StandardCharsets.UTF_8);
            udp.send(new DatagramPacket(bytes, bytes.length, to));
            return;
        }
        try {
            if (tcp == null) {
                Socket s = new Socket();
                s.connect(to, CONNECT_MILLIS);
                tcp = s;
            }
            OutputStream out = tcp.getOutputStream();
            out.write(m.octetCounted());
            out.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            if (tcp != null) {
                tcp.close();
            }
        } catch (IOException ignored) {
            // closing: nothing to do about it
        }
        tcp = null;
        if (udp != null) {
            udp.close();
            udp = null;
        }
    }
}
