package io.lb4j.ha.vrrp.internal;

import java.net.InetAddress;
import java.util.List;

/**
 * The fields of one VRRPv3 advert.
 *
 * @param vrid                     1-255
 * @param priority                 0 (master resigning), 1-254, 255 (address owner)
 * @param maxAdvertIntervalCentis  1-4095 centiseconds
 * @param addresses                the virtual addresses, in the sender's order, all IPv4 or all IPv6
 */
public record VrrpAdvert(int vrid, int priority, int maxAdvertIntervalCentis, List<InetAddress> addresses) {

    public VrrpAdvert {
        addresses = List.copyOf(addresses);
    }
}
