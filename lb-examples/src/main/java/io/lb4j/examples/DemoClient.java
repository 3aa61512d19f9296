package io.lb4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's client side: one real request per protocol through the VIP, returning the name of the cluster that
 * answered, and a long-lived session (a modality that keeps its connection open) that reconnects when it breaks.
 */
final class DemoClient {

    private static final AtomicLong CONTROL_IDS = new AtomicLong();

    private DemoClient() {
    }

    /**
     * One complete exchange of {@code kind} with {@code target}.
     *
     * @return the name of the cluster that answered
     * @throws IOException when the exchange fails, saying how
     */
    static String visit(DemoCluster.Kind kind, InetSocketAddress target, Duration timeout) throws IOException {
        if (kind == DemoCluster.Kind.DICOM) {
            return Dicom.echo(target, timeout);
        }
        try (Socket s = new Socket()) {
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            return switch (kind) {
                case HTTP -> http(s);
                case HL7 -> hl7(s);
                default -> echo(s);
            };
        }
    }

    private static String http(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: pacs\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String status = in.readLine();
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
            throw new IOException("HTTP: " + status);
        }
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            // skip headers
        }
        String body = in.readLine();
        if (body == null) {
            throw new IOException("HTTP: no body");
        }
        return body.trim();
    }

    private static String hl7(Socket s) throws IOException {
        String control = "DEMO" + CONTROL_IDS.incrementAndGet();
        DemoCluster.writeMllp(s.getOutputStream(), "MSH|^~\\&|LB4J-DEMO|LB4J|PACS|PACS|20000101000000||QRY^A19|"
                + control + "|P|2.5\rQRD|20000101000000|R|I|" + control + "|||1^RD|DEMO|DEM\r");
        String ack = DemoCluster.readMllp(s.getInputStream());
        if (ack == null) {
            throw new IOException("HL7: connection closed before the ACK");
        }
        String[] segments = ack.split("\r");
        String[] msh = segments[0].split("\\|", -1);
        boolean accepted = segments.length > 1 && segments[1].startsWith("MSA|AA|" + control);
        if (!accepted || msh.length < 3) {
            throw new IOException("HL7: not acknowledged: " + ack.replace('\r', ' '));
        }
        return msh[2];
    }

    private static String echo(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String banner = in.readLine();
        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
        out.println("ping");
        if (banner == null || !"ping".equals(in.readLine())) {
            throw new IOException("echo: no answer");
        }
        return banner.replace(" ready", "");
    }

    /**
     * A connection held open across rounds, like a modality's: each {@link #ping()} sends a line over it and expects
     * it back; when the connection broke (its cluster died) it reconnects through the VIP. Not thread-safe.
     */
    static final class Session implements AutoCloseable {
        private final InetSocketAddress target;
        private final Duration timeout;
        private Socket socket;
        private BufferedReader in;
        private PrintWriter out;
        private String cluster;
        private int reconnects = -1;

        Session(InetSocketAddress target, Duration timeout) {
            this.target = target;
            this.timeout = timeout;
        }

        /** The cluster this session is connected to after the ping; throws when it cannot reach any. */
        String ping() throws IOException {
            if (socket != null) {
                try {
                    out.println("still there?");
                    if ("still there?".equals(in.readLine()) && !out.checkError()) {
                        return cluster;
                    }
                } catch (IOException e) {
                    // broken: reconnect below
                }
                close();
            }
            Socket s = new Socket();
            try {
                s.connect(target, (int) timeout.toMillis());
                s.setSoTimeout((int) timeout.toMillis());
                in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                String banner = in.readLine();
                if (banner == null) {
                    throw new IOException("session: closed at once");
                }
                socket = s;
                cluster = banner.replace(" ready", "");
                reconnects++;
                return cluster;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        /** How often the session had to reconnect after its first connection. */
        int reconnects() {
            return Math.max(0, reconnects);
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // best effort
                }
                socket = null;
            }
        }
    }
}
