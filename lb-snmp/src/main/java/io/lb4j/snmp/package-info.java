/**
 * SNMP for a running {@link io.lb4j.api.LoadBalancer}, through net-snmp's {@code snmpd} as an AgentX subagent, the
 * way keepalived does it: {@code snmpd} owns port 161, the communities, the SNMPv3 users and the trap destinations;
 * lb4j serves {@code LB4J-MIB} (under {@code enterprises.32473.4}) and sends its notifications through it.
 *
 * <p>Public surface: {@link io.lb4j.snmp.SnmpAgent} with its builder and {@link io.lb4j.snmp.SnmpAgent.Stats},
 * and {@link io.lb4j.snmp.VrrpRole}. The AgentX codec and the session are package-private.
 */
package io.lb4j.snmp;
