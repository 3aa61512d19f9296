package io.lb4j.ha;

/** The three states of RFC 5798 section 6.4. */
public enum VrrpState {
    /** Not started, or stopped: sends nothing, owns nothing. */
    INITIALIZE,
    /** Watches the master's adverts; takes over when none arrive within Master_Down_Interval. */
    BACKUP,
    /** Owns the virtual addresses and sends an advert every advert interval. */
    MASTER
}
