package io.lb4j.snmp;

/** A PDU that breaks RFC 2741's encoding rules: counted and dropped by the session, never thrown to a caller. */
final class AgentxFormatException extends Exception {

    AgentxFormatException(String message) {
        super(message, null, false, false);
    }
}
