/**
 * A real net-snmp for the SNMP tests ({@link io.lb4j.testsupport.snmp.NetSnmp}): {@code snmpd} as AgentX master,
 * {@code snmptrapd}, and the {@code snmpwalk}/{@code snmpget} runs the tests compare.
 */
package io.lb4j.testsupport.snmp;
