package io.lb4j.snmp;

import java.util.List;

/**
 * One decoded AgentX PDU (RFC 2741 section 6), as the subagent receives it from the master agent. Only the fields
 * of its {@link #type()} are meaningful: {@code ranges} for Get, GetNext and GetBulk (a Get's ranges have null
 * ends), {@code nonRepeaters}/{@code maxRepetitions} for GetBulk, {@code error}/{@code errorIndex} for a Response,
 * {@code reason} for a Close.
 */
record AgentxPdu(int type, int flags, int sessionId, int transactionId, int packetId, List<SearchRange> ranges,
                 int nonRepeaters, int maxRepetitions, int error, int errorIndex, int reason) {

    /** A search range (section 5.2): from {@code start} (itself included when {@code include}) up to {@code end}. */
    record SearchRange(Oid start, boolean include, Oid end) {
    }

    AgentxPdu {
        ranges = List.copyOf(ranges);
    }

    String typeName() {
        return AgentxCodec.typeName(type);
    }
}
