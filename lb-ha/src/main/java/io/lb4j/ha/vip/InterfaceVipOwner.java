package io.lb4j.ha.vip;

import io.lb4j.api.internal.Addresses;
import io.lb4j.ha.HaPair;

import io.lb4j.linux.LinkLayerSocket;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.Rtnetlink;
import io.lb4j.ha.internal.GratuitousArp;
import io.lb4j.ha.internal.NeighbourAdvertisement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link VipOwner} that adds the virtual addresses to a Linux interface as /32 or /128 (what keepalived does with
 * {@code virtual_ipaddress}) and announces them, IPv4 ones with gratuitous ARP and IPv6 ones with unsolicited
 * Neighbour Advertisements (Override set; Router set when the interface forwards IPv6, as keepalived sets it): a
 * burst when it acquires them and a second burst a few seconds later (keepalived's {@code vrrp_garp_master_repeat 5}
 * and {@code vrrp_garp_master_delay 5}), so switches and clients that missed the first burst still move within
 * seconds. IPv6 addresses are added without duplicate address detection ({@code nodad}): the address is the old
 * master's until a moment ago, and detection would hold it unusable for a second or more.
 *
 * <pre>{@code
 * VipOwner owner = InterfaceVipOwner.builder("eth0").build();     // rtnetlink, 5 GARPs now + 5 after 5 s
 * }</pre>
 *
 * <p>Addresses are managed through rtnetlink (the FFM binding {@code io.lb4j.linux.Rtnetlink}); with
 * {@link Builder#useIpCommand()} it runs {@code ip -4 addr add|del ADDRESS/32 dev IFACE} (IPv6:
 * {@code ip -6 addr add|del ADDRESS/128 dev IFACE nodad}) instead (the documented
 * fallback, e.g. under a seccomp profile that forbids netlink sockets). Needs CAP_NET_ADMIN and CAP_NET_RAW in the
 * network namespace. Thread-safe; announcement failures are logged, never thrown.
 */
public final class InterfaceVipOwner extends AnnouncingVipOwner {

    private static final Logger LOG = LoggerFactory.getLogger(InterfaceVipOwner.class);
    private static final Inet4Address WARM_UP_ADDRESS = (Inet4Address) InetAddress.ofLiteral("192.0.2.1");
    private static final Inet6Address WARM_UP_ADDRESS_6 = (Inet6Address) InetAddress.ofLiteral("2001:db8::1");

    private final String interfaceName;
    private final boolean ipCommand;
    private Rtnetlink netlink;
    private LinkLayerSocket arpSocket;
    private LinkLayerSocket ndSocket;
    private boolean router;
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
    void take(List<InetAddress> addresses) {
        int index = prepare(false);
        router = forwardsIpv6();
        for (InetAddress a : addresses) {
            int prefix = prefix(a);
            try {
                if (ipCommand) {
                    ip("add", a);
                } else {
                    try {
                        netlink().addAddress(index, a, prefix);
                    } catch (LinuxException e) {
                        if (e.errno() != LinuxException.ENODEV) {
                            throw e;
                        }
                        index = prepare(true); // the interface was recreated under the same name
                        netlink().addAddress(index, a, prefix);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("adding " + Addresses.text(a) + "/" + prefix + " to " + interfaceName
                        + " failed", e);
            }
        }
    }

    @Override
    void give(List<InetAddress> addresses) {
        int index;
        try {
            index = prepare(false);
        } catch (UncheckedIOException gone) {
            return; // the interface is gone, and its addresses with it
        }
        for (InetAddress a : addresses) {
            try {
                if (ipCommand) {
                    ip("del", a);
                } else {
                    netlink().deleteAddress(index, a, prefix(a));
                }
            } catch (IOException e) {
                LOG.error("removing {}/{} from {} failed: {}", Addresses.text(a), prefix(a), interfaceName,
                        e.getMessage());
            }
        }
    }

    private static int prefix(InetAddress a) {
        return a instanceof Inet6Address ? 128 : 32;
    }

    // keepalived sets the Router flag of its advertisements when the interface forwards IPv6: a host that receives
    // an advertisement with Router clear for its default router removes it from its router list (RFC 4861 7.2.5).
    private boolean forwardsIpv6() {
        try {
            return Files.readString(Path.of("/proc/sys/net/ipv6/conf", interfaceName, "forwarding")).trim()
                    .equals("1");
        } catch (IOException | RuntimeException e) {
            return false; // no IPv6 on this host: nothing forwards it
        }
    }

    /**
     * Gratuitous ARP and unsolicited Neighbour Advertisement frames sent so far (each burst counts {@code burst} per
     * address).
     */
    public synchronized long announcements() {
        return announcements;
    }

    @Override
    void announceOnce(List<InetAddress> addresses) {
        if (mac == null || mac.length != 6) {
            LOG.warn("no Ethernet address on {}: no gratuitous ARP or neighbour advertisement sent", interfaceName);
            return;
        }
        for (InetAddress a : addresses) {
            try {
                if (a instanceof Inet6Address v6) {
                    if (ndSocket == null) {
                        ndSocket = LinkLayerSocket.open(interfaceName, interfaceIndex,
                                NeighbourAdvertisement.ETHER_TYPE);
                    }
                    ndSocket.send(NeighbourAdvertisement.frame(mac, v6, router));
                } else {
                    if (arpSocket == null) {
                        arpSocket = LinkLayerSocket.open(interfaceName, interfaceIndex, GratuitousArp.ETHER_TYPE);
                    }
                    arpSocket.send(GratuitousArp.frame(mac, (Inet4Address) a));
                }
                announcements++;
            } catch (IOException e) {
                LOG.warn("announcing {} on {} failed: {}", Addresses.text(a), interfaceName, e.getMessage());
            }
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
                if (index != interfaceIndex) {
                    closeLinkSockets();
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
            if (ndSocket == null && mac != null && mac.length == 6) {
                ndSocket = LinkLayerSocket.open(interfaceName, interfaceIndex, NeighbourAdvertisement.ETHER_TYPE);
                NeighbourAdvertisement.frame(mac, WARM_UP_ADDRESS_6, false);
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

    private void closeLinkSockets() throws LinuxException {
        if (arpSocket != null) {
            arpSocket.close();
            arpSocket = null;
        }
        if (ndSocket != null) {
            ndSocket.close();
            ndSocket = null;
        }
    }

    private void ip(String verb, InetAddress a) throws IOException {
        boolean v6 = a instanceof Inet6Address;
        List<String> command = new java.util.ArrayList<>(List.of("ip", v6 ? "-6" : "-4", "addr", verb,
                Addresses.text(a) + "/" + prefix(a), "dev", interfaceName));
        if (v6 && verb.equals("add")) {
            command.add("nodad");
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ip addr " + verb + " " + Addresses.text(a) + " timed out after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes()).trim();
        boolean benign = verb.equals("add") ? out.contains("File exists") : out.contains("Cannot assign");
        if (p.exitValue() != 0 && !benign) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
    }

    @Override
    void closeResources() {
        try {
            if (netlink != null) {
                netlink.close();
            }
            closeLinkSockets();
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

        /** Use {@code ip -4|-6 addr add|del} (iproute2 on the PATH) instead of rtnetlink. */
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
