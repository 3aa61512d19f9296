package io.lb4j.examples;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for a MergePACS cluster on one loopback address, speaking on each port what the real one speaks there:
 * HTTP, DICOM C-ECHO (a minimal Upper Layer SCP), HL7 ACKs over MLLP, or a line echo. Every answer names the
 * cluster, so a client can tell where the balancer sent it. {@link #kill()} closes every listener and connection
 * at once, as a powered-off cluster would look (connections refused); {@link #start()} brings it back.
 *
 * <p>One virtual thread per connection; thread-safe.
 */
final class DemoCluster implements AutoCloseable {

    /** What a port speaks. */
    enum Kind { HTTP, DICOM, HL7, ECHO }

    private final String name;
    private final InetAddress address;
    private final Map<Integer, Kind> ports;
    private final List<ServerSocket> listeners = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private boolean running;

    DemoCluster(String name, InetAddress address, Map<Integer, Kind> ports) {
        this.name = name;
        this.address = address;
        this.ports = new LinkedHashMap<>(ports);
    }

    String name() {
        return name;
    }

    InetAddress address() {
        return address;
    }

    /** Binds every port and serves; a port that cannot be bound fails the whole start and nothing stays bound. */
    synchronized void start() throws IOException {
        if (running) {
            return;
        }
        try {
            for (Map.Entry<Integer, Kind> p : ports.entrySet()) {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true); // comes back on the same ports right after kill()
                server.bind(new InetSocketAddress(address, p.getKey()), 128);
                listeners.add(server);
                Kind kind = p.getValue();
                Thread.ofVirtual().name(name + "-accept-" + p.getKey()).start(() -> accept(server, kind));
            }
        } catch (IOException e) {
            closeAll();
            throw new IOException(name + ": cannot listen on " + address.getHostAddress() + ": " + e.getMessage(), e);
        }
        running = true;
    }

    /** Everything closes at once: listeners (new connections are refused) and established connections. */
    synchronized void kill() {
        closeAll();
        running = false;
    }

    synchronized boolean isRunning() {
        return running;
    }

    @Override
    public void close() {
        kill();
    }

    private void closeAll() {
        for (ServerSocket s : listeners) {
            closeQuietly(s);
        }
        listeners.clear();
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void accept(ServerSocket server, Kind kind) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().name(name + "-conn").start(() -> serve(s, kind));
            } catch (IOException e) {
                return; // closed by kill()
            }
        }
    }

    private void serve(Socket s, Kind kind) {
        try (s) {
            s.setSoTimeout(30_000);
            switch (kind) {
                case HTTP -> http(s);
                case DICOM -> Dicom.serve(s, name);
                case HL7 -> hl7(s);
                case ECHO -> echo(s);
            }
        } catch (IOException e) {
            // the client went away or the cluster was killed: nothing to report
        } finally {
            open.remove(s);
        }
    }

    private void http(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        if (requestLine == null) {
            return;
        }
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            // headers are not needed: every request gets the cluster's name
        }
        byte[] body = (name + "\n").getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\nServer: " + name + "\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** MLLP: {@code 0x0B message 0x1C 0x0D}; every message is acknowledged with MSA-1 = AA and MSH-3 = our name. */
    private void hl7(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (true) {
            String message = readMllp(in);
            if (message == null) {
                return;
            }
            String[] msh = message.split("\r", 2)[0].split("\\|", -1);
            String control = msh.length > 9 ? msh[9] : "";
            String sendingApp = msh.length > 2 ? msh[2] : "";
            String now = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
            String ack = "MSH|^~\\&|" + name + "|" + name + "|" + sendingApp + "||" + now + "||ACK|" + control
                    + "-ACK|P|2.5\rMSA|AA|" + control + "\r";
            writeMllp(out, ack);
        }
    }

    /** A banner that names the cluster (the server speaks first, as XMPP does), then every line echoed. */
    private void echo(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
        out.println(name + " ready");
        String line;
        while ((line = in.readLine()) != null) {
            out.println(line);
        }
    }

    static String readMllp(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            return null;
        }
        if (b != 0x0B) {
            throw new IOException("MLLP frame does not start with 0x0B");
        }
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside an MLLP frame");
            }
            if (b == 0x1C) {
                in.read(); // the trailing carriage return
                return message.toString(StandardCharsets.ISO_8859_1);
            }
            if (message.size() > 1 << 20) {
                throw new IOException("MLLP frame longer than 1 MiB");
            }
            message.write(b);
        }
    }

    static void writeMllp(OutputStream out, String message) throws IOException {
        out.write(0x0B);
        out.write(message.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0x1C);
        out.write(0x0D);
        out.flush();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort
        }
    }
}
