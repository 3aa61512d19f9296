/**
 * VRRPv3 (RFC 5798, IPv4 and IPv6), wire-compatible with keepalived: {@link io.lb4j.ha.vrrp.VrrpInstance} is one
 * virtual router, with its {@link io.lb4j.ha.vrrp.VrrpState states} and {@link io.lb4j.ha.vrrp.VrrpStats counters}.
 * Every packet that is not a usable advert is counted under a {@link io.lb4j.ha.vrrp.DropReason} and dropped, never
 * logged one by one; every wait runs on the instance's injected clock, so a pair runs in virtual time in tests.
 */
package io.lb4j.ha.vrrp;
