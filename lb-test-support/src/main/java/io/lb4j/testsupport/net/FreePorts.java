package io.lb4j.testsupport.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports for a test's listeners. Asking twice in a row for one free port can give the same port back (the
 * kernel may hand out a port again as soon as its probe socket closes), which then fails the test as a port clash:
 * {@link #tcp} holds every probe socket bound until all are, so the ports it returns are distinct.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** {@code n} distinct TCP ports free on {@code address} at the time of the call. */
    public static int[] tcp(InetAddress address, int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.bind(new InetSocketAddress(address, 0));
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // only a probe
                }
            }
        }
    }

    /** {@code n} distinct TCP ports free on the loopback address. */
    public static int[] tcp(int n) {
        return tcp(InetAddress.getLoopbackAddress(), n);
    }
}
