package io.lb4j.snmp;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One AgentX variable binding (RFC 2741 section 5.4): a name, a type and a value. The value is a {@link Long} for the
 * integer types, a {@code byte[]} for octet strings, an {@link Oid} for object identifiers, and {@code null} for
 * {@code Null} and the three exceptions (noSuchObject, noSuchInstance, endOfMibView).
 */
record Varbind(Oid name, int type, Object value) {

    static final int INTEGER = 2;
    static final int OCTET_STRING = 4;
    static final int NULL = 5;
    static final int OBJECT_IDENTIFIER = 6;
    static final int IP_ADDRESS = 64;
    static final int COUNTER32 = 65;
    static final int GAUGE32 = 66;
    static final int TIME_TICKS = 67;
    static final int OPAQUE = 68;
    static final int COUNTER64 = 70;
    static final int NO_SUCH_OBJECT = 128;
    static final int NO_SUCH_INSTANCE = 129;
    static final int END_OF_MIB_VIEW = 130;

    Varbind {
        Objects.requireNonNull(name, "name");
    }

    static Varbind integer(Oid name, long value) {
        return new Varbind(name, INTEGER, value);
    }

    static Varbind gauge(Oid name, long value) {
        return new Varbind(name, GAUGE32, Math.clamp(value, 0, 0xFFFF_FFFFL));
    }

    static Varbind counter64(Oid name, long value) {
        return new Varbind(name, COUNTER64, value);
    }

    static Varbind text(Oid name, String value) {
        return new Varbind(name, OCTET_STRING, value.getBytes(StandardCharsets.UTF_8));
    }

    static Varbind oid(Oid name, Oid value) {
        return new Varbind(name, OBJECT_IDENTIFIER, value);
    }

    /** The exception or null-valued binding of {@code type} for {@code name}. */
    static Varbind empty(Oid name, int type) {
        return new Varbind(name, type, null);
    }
}
