/**
 * Who answers for the virtual addresses: a {@link io.lb4j.ha.vip.VipOwner} is told to acquire them when its node
 * becomes VRRP master and to release them when it stops being master, in order and never overlapping. The owners
 * here add the addresses to an interface or let the packet engine answer ARP itself, and announce a takeover with
 * gratuitous ARP bursts (unsolicited Neighbour Advertisements for IPv6 addresses) as keepalived does; a release
 * cancels any burst still pending.
 */
package io.lb4j.ha.vip;
