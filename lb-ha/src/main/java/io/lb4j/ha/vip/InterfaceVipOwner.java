package io.lb4j.ha.vip;

import io.lb4j.ha.HaPair;

import io.lb4j.linux.LinkLayerSocket;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.Rtnetlink;
import io.lb4j.ha.internal.GratuitousArp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link VipOwner} that adds the virtual addresses to a Linux interface as /32 (what keepalived does with
 * {@code virtual_ipaddress}) and announces them with gratuitous ARP: a burst when it acquires them and a second burst
 * a few seconds later (keepalived's {@code vrrp_garp_master_repeat 5} and {@code vrrp_garp_master_delay 5}), so
 * switches and clients that missed the first burst still move within seconds.
 *
 * <pre>{@code
 * VipOwner owner = InterfaceVipOwner.builder("eth0").build();     // rtnetlink, 5 GARPs now + 5 after 5 s
 * }</pre>
 *
 * <p>Addresses are managed through rtnetlink (the FFM binding {@code io.lb4j.linux.Rtnetlink}); with
 * {@link Builder#useIpCommand()} it runs {@code ip -4 addr add|del ADDRESS/32 dev IFACE} instead (the documented
 * fallback, e.g. under a seccomp profile that forbids netlink sockets). Needs CAP_NET_ADMIN and CAP_NET_RAW in the
 * network namespace. Thread-safe; gratuitous-ARP failures are logged, never thrown.
 */
public final class InterfaceVipOwner extends AnnouncingVipOwner {

    private static final Logger LOG = LoggerFactory.getLogger(InterfaceVipOwner.class);
    private static final Inet4Address WARM_UP_ADDRESS = (Inet4Address) java.net.InetAddress.ofLiteral("192.0.2.1");

    private final String interfaceName;
    private final boolean ipCommand;
    private Rtnetlink netlink;
    private LinkLayerSocket arpSocket;
    private int interfaceIndex = -1;
    private byte[] mac;
    private long announcements;

    private InterfaceVipOwner(Builder b) {
        super(b);
        this.interfaceName = b.interfaceName;
        this.ipCommand = b.ipCommand;
    }

    /** A builder for addresses on {@code interfaceName}. */
    public static Builder builder(String interfaceName) {
        return new Builder(interfaceName);
    }

    @Override
    void take(List<Inet4Address> addresses) {
        int index = prepare(false);
        for (Inet4Address a : addresses) {
            try {
                if (ipCommand) {
                    ip("add", a);
                } else {
                    try {
                        netlink().addAddress(index, a, 32);
                    } catch (LinuxException e) {
                        if (e.errno() != LinuxException.ENODEV) {
                            throw e;
                        }
                        index = prepare(true); // the interface was recreated under the same name
                        netlink().addAddress(index, a, 32);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("adding " + a.getHostAddress() + "/32 to " + interfaceName
                        + " failed", e);
            }
        }
    }

    @Override
    void give(List<Inet4Address> addresses) {
        int index;
        try {
            index = prepare(false);
        } catch (UncheckedIOException gone) {
            return; // the interface is gone, and its addresses with it
        }
        for (Inet4Address a : addresses) {
            try {
                if (ipCommand) {
                    ip("del", a);
                } else {
                    netlink().deleteAddress(index, a, 32);
                }
            } catch (IOException e) {
                LOG.error("removing {}/32 from {} failed: {}", a.getHostAddress(), interfaceName, e.getMessage());
            }
        }
    }

    /** Gratuitous ARP frames sent so far (each burst counts {@code burst} per address). */
    public synchronized long announcements() {
        return announcements;
    }

    @Override
    void announceOnce(List<Inet4Address> addresses) {
        try {
            if (mac == null || mac.length != 6) {
                LOG.warn("no Ethernet address on {}: no gratuitous ARP sent", interfaceName);
                return;
            }
            if (arpSocket == null) {
                arpSocket = LinkLayerSocket.open(interfaceName, interfaceIndex, GratuitousArp.ETHER_TYPE);
            }
            for (Inet4Address a : addresses) {
                arpSocket.send(GratuitousArp.frame(mac, a));
                announcements++;
            }
        } catch (IOException e) {
            LOG.warn("gratuitous ARP on {} failed: {}", interfaceName, e.getMessage());
        }
    }

    /**
     * Resolves the interface (index, MAC) and opens the sockets once, so a takeover does not pay for interface
     * enumeration and socket setup on its critical path; {@code refresh} re-resolves (the interface was recreated).
     * HaPair's release at start makes this happen before the first takeover.
     */
    private int prepare(boolean refresh) {
        if (interfaceIndex < 0 || refresh) {
            try {
                NetworkInterface ni = NetworkInterface.getByName(interfaceName);
                if (ni == null) {
                    throw new IOException("no network interface \"" + interfaceName + "\"");
                }
                int index = ni.getIndex();
                byte[] hardware = ni.getHardwareAddress();
                if (index != interfaceIndex && arpSocket != null) {
                    arpSocket.close();
                    arpSocket = null;
                }
                interfaceIndex = index;
                mac = hardware;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            if (!ipCommand) {
                netlink();
            }
            if (arpSocket == null && mac != null && mac.length == 6) {
                arpSocket = LinkLayerSocket.open(interfaceName, interfaceIndex, GratuitousArp.ETHER_TYPE);
                GratuitousArp.frame(mac, WARM_UP_ADDRESS); // loads and runs the frame builder before a takeover does
            }
        } catch (LinuxException e) {
            LOG.warn("preparing {} for VIP takeover failed (retried at takeover): {}", interfaceName, e.getMessage());
        }
        return interfaceIndex;
    }

    private Rtnetlink netlink() throws LinuxException {
        if (netlink == null) {
            netlink = Rtnetlink.open();
        }
        return netlink;
    }

    private void ip(String verb, Inet4Address a) throws IOException {
        Process p = new ProcessBuilder("ip", "-4", "addr", verb, a.getHostAddress() + "/32", "dev", interfaceName)
                .redirectErrorStream(true).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ip addr " + verb + " " + a.getHostAddress() + " timed out after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes()).trim();
        boolean benign = verb.equals("add") ? out.contains("File exists") : out.contains("Cannot assign");
        if (p.exitValue() != 0 && !benign) {
            throw new IOException("ip addr " + verb + " " + a.getHostAddress() + "/32 dev " + interfaceName
                    + " exited " + p.exitValue() + ": " + out);
        }
    }

    @Override
    void closeResources() {
        try {
            if (netlink != null) {
                netlink.close();
            }
            if (arpSocket != null) {
                arpSocket.close();
            }
        } catch (LinuxException e) {
            LOG.debug("closing VIP owner sockets failed", e);
        }
    }

    @Override
    public String toString() {
        return "InterfaceVipOwner[" + interfaceName + (ipCommand ? ", ip command" : ", rtnetlink") + "]";
    }

    /** Builder for an {@link InterfaceVipOwner}; defaults: rtnetlink, 5 GARPs, repeated after 5 s. */
    public static final class Builder extends BurstSettings<Builder> {
        private final String interfaceName;
        private boolean ipCommand;

        Builder(String interfaceName) {
            Objects.requireNonNull(interfaceName, "interfaceName");
            if (interfaceName.isBlank() || interfaceName.length() > 15) {
                throw new IllegalArgumentException("interfaceName: \"" + interfaceName
                        + "\" (expected: an interface name of 1-15 characters)");
            }
            this.interfaceName = interfaceName;
        }

        /** Use {@code ip -4 addr add|del} (iproute2 on the PATH) instead of rtnetlink. */
        public Builder useIpCommand() {
            this.ipCommand = true;
            return this;
        }

        @Override
        Builder self() {
            return this;
        }

        public InterfaceVipOwner build() {
            return new InterfaceVipOwner(this);
        }
    }
}
