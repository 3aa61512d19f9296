/**
 * The proxy engine, lb4j's default: {@link io.lb4j.engine.proxy.ProxyEngine} listens on the VIP for every port of a
 * {@code proxy()} service, picks a backend per new connection from the current routing table and relays TCP and UDP
 * both ways on Netty, without root. It keeps back-pressure and half-close, releases each backend slot it took exactly
 * once, and finds every live flow again when Halt or a reconfiguration must cut it. Everything but
 * {@code ProxyEngine} is package-private.
 */
package io.lb4j.engine.proxy;
