package io.lb4j.benchmarks.healthcheck;

import java.io.IOException;
import java.io.OutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The check targets: {@code count} non-blocking listeners on one selector thread that accept and close at once.
 * A blocking control socket on 127.0.0.1 answers every connection with {@code "<accepts> <nanoTime>"}, so whoever
 * measures can count the connections any checker (lb4j or HAProxy) actually made in a window.
 */
final class LoopbackListeners {

    private final AtomicLong accepts = new AtomicLong();

    static void main(String[] args) throws IOException {
        int count = Integer.parseInt(Options.get(args, "--targets", "10000"));
        int basePort = Integer.parseInt(Options.get(args, "--base-port", "" + Targets.DEFAULT_BASE_PORT));
        int controlPort = Integer.parseInt(Options.get(args, "--control-port", "29999"));
        long parentPid = Long.parseLong(Options.get(args, "--parent-pid", "-1"));
        new LoopbackListeners().run(count, basePort, controlPort, parentPid);
    }

    private void run(int count, int basePort, int controlPort, long parentPid) throws IOException {
        Selector selector = Selector.open();
        for (int i = 0; i < count; i++) {
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(Targets.socket(basePort, i), 1024);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_ACCEPT);
        }
        ServerSocket control = new ServerSocket();
        control.setReuseAddress(true);
        control.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), controlPort));
        Thread ctl = new Thread(() -> serveControl(control), "control");
        ctl.setDaemon(true);
        ctl.start();
        // Exit when the script that started us is gone, so no listener outlives the run even if it is killed hard.
        if (parentPid > 0) {
            Thread watch = new Thread(() -> {
                while (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false)) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                System.exit(0);
            }, "parent-watch");
            watch.setDaemon(true);
            watch.start();
        }
        System.out.println("READY " + count + " listeners " + Targets.socket(basePort, 0) + " .. "
                + Targets.socket(basePort, count - 1) + ", control 127.0.0.1:" + controlPort);
        System.out.flush();
        while (true) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                ServerSocketChannel server = (ServerSocketChannel) key.channel();
                SocketChannel c;
                while ((c = server.accept()) != null) {
                    c.close();
                    accepts.incrementAndGet();
                }
            }
        }
    }

    private void serveControl(ServerSocket control) {
        while (true) {
            try (Socket s = control.accept(); OutputStream out = s.getOutputStream()) {
                out.write((accepts.get() + " " + System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // next
            }
        }
    }

    /** {@code [accepts, nanoTime]} from a running listener process. */
    static long[] query(int controlPort) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), controlPort);
             BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            String[] f = r.readLine().trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        }
    }
}
