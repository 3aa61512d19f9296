/**
 * Service-provider interfaces of the HA module: {@link io.lb4j.ha.vrrp.spi.VrrpTransport} carries adverts (a raw IP
 * socket in production; a virtual LAN in tests, so a pair runs with virtual time).
 */
package io.lb4j.ha.vrrp.spi;
