/**
 * lb4j's SNMP support: {@link io.lb4j.snmp.SnmpAgent}, an AgentX subagent (RFC 2741) that serves a
 * {@code LoadBalancer}'s services, real servers and the node's VRRP state through net-snmp's {@code snmpd} (which
 * answers SNMPv2c and SNMPv3 on port 161 and sends the notifications to its trap destinations), and sends the
 * balancer's events as notifications. The objects are defined by {@code LB4J-MIB}, shipped in this jar as
 * {@code io/lb4j/snmp/LB4J-MIB.txt}.
 */
module io.lb4j.snmp {
    requires transitive io.lb4j.api;
    requires org.slf4j;

    exports io.lb4j.snmp;
}
