/**
 * The VRRP wire: the advert codec (RFC 5798 section 5), which returns a drop reason instead of throwing on bad input,
 * and the raw IP socket (protocol 112) that carries adverts in production. Not part of the public API.
 */
package io.lb4j.ha.vrrp.internal;
