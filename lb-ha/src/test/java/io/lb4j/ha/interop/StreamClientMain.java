package io.lb4j.ha.interop;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side of a long-running TCP stream through the VIP, for the pair namespace tests: connects once,
 * reads the real server's greeting, then every 10 ms sends a 1 KiB block of a numbered pattern and reads it back,
 * checking every byte. Prints {@code CONNECTED <server>} once, {@code PROGRESS <blocks>} every 50 blocks, and on a
 * broken stream {@code BROKEN <why>} and exits 1; on stdin {@code stop} prints {@code DONE <blocks>} and closes.
 * Usage: {@code StreamClientMain VIP PORT}.
 */
public final class StreamClientMain {

    private StreamClientMain() {
    }

    public static void main(String[] args) throws Exception {
        Thread main = Thread.currentThread();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                byte[] line = new byte[16];
                while (System.in.read(line) >= 0) {
                    if (new String(line, StandardCharsets.US_ASCII).startsWith("stop")) {
                        break;
                    }
                }
            } catch (Exception e) {
                // stdin gone: stop too
            }
            main.interrupt();
        });
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 5_000);
            s.setTcpNoDelay(true);
            // Long enough for a takeover with retransmissions, short enough to fail a test rather than hang it.
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            StringBuilder greeting = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    broken("closed before the greeting");
                }
                greeting.append((char) c);
            }
            System.out.println("CONNECTED " + greeting);
            System.out.flush();
            DataInputStream data = new DataInputStream(in);
            byte[] block = new byte[1024];
            byte[] back = new byte[1024];
            long blocks = 0;
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < block.length; i++) {
                    block[i] = (byte) (blocks * 31 + i);
                }
                out.write(block);
                out.flush();
                data.readFully(back);
                if (!Arrays.equals(block, back)) {
                    broken("block " + blocks + " came back different");
                }
                blocks++;
                if (blocks % 50 == 0) {
                    System.out.println("PROGRESS " + blocks);
                    System.out.flush();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            System.out.println("DONE " + blocks);
            System.out.flush();
        } catch (Exception e) {
            if (!Thread.currentThread().isInterrupted()) {
                broken(e.toString());
            }
            System.out.println("DONE");
        }
    }

    private static void broken(String why) {
        System.out.println("BROKEN " + why);
        System.out.flush();
        System.exit(1);
    }
}
