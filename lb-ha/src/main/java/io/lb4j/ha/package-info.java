/**
 * The clustered pair: VRRPv3 (RFC 5798) that interoperates with keepalived ({@link io.lb4j.ha.vrrp.VrrpInstance}), VIP
 * ownership through the {@link io.lb4j.ha.vip.VipOwner} SPI (interface addresses + gratuitous ARP or IPv6 Neighbour
 * Advertisements), and {@link io.lb4j.ha.HaPair}, which ties an instance to a {@link io.lb4j.api.LoadBalancer}.
 *
 * <p>Sub-packages: {@code event} (state transitions with their reason), {@code spi} (the advert transport, so tests
 * run a pair on a virtual LAN with virtual time), {@code internal} (codec, raw-socket transport, rtnetlink; not API).
 */
package io.lb4j.ha;

import io.lb4j.ha.vip.VipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
