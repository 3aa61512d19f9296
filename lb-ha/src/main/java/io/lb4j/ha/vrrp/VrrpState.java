package io.lb4j.ha.vrrp;

/** The three states of RFC 5798 section 6.4, plus keepalived's FAULT. */
public enum VrrpState {
    /** Not started, or stopped: sends nothing, owns nothing. */
    INITIALIZE,
    /** Watches the master's adverts; takes over when none arrive within Master_Down_Interval. */
    BACKUP,
    /** Owns the virtual addresses and sends an advert every advert interval. */
    MASTER,
    /**
     * The interface is down or has lost its carrier (keepalived's FAULT state; RFC 5798 has none): sends nothing,
     * owns nothing, ignores adverts, and goes back to backup (waiting Master_Down_Interval) when the link returns.
     */
    FAULT
}
