package io.lb4j.snmp;

/**
 * This node's VRRP state as {@code LB4J-MIB}'s {@code lb4jNodeVrrpState} reports it: the RFC 5798 states, plus
 * {@link #STANDALONE} for a balancer that runs without a clustered pair. The numbers are the MIB's enumeration.
 */
public enum VrrpRole {
    /** No clustered pair: the balancer runs alone (the state before anyone reports one). */
    STANDALONE(1),
    /** VRRP is starting. */
    INITIALIZE(2),
    /** The peer is master; this node watches its adverts and owns no virtual address. */
    BACKUP(3),
    /** This node owns the virtual addresses and forwards. */
    MASTER(4),
    /** This node cannot take part (e.g. its interface is down). */
    FAULT(5);

    private final int mibValue;

    VrrpRole(int mibValue) {
        this.mibValue = mibValue;
    }

    /** The value of this state in {@code LB4J-MIB}'s enumeration ({@code standalone(1)} to {@code fault(5)}). */
    public int mibValue() {
        return mibValue;
    }
}
