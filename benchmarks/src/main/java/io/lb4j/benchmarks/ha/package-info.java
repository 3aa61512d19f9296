/**
 * The failover comparison behind {@code benchmarks/ha-outage-vs-keepalived.sh}: an lb4j pair node, the service behind
 * the VIP, and the client that measures the outage a client sees, run in network namespaces beside keepalived, plus
 * the table of the results. Both systems are stopped the same way, so a difference can only come from VRRP.
 */
package io.lb4j.benchmarks.ha;
