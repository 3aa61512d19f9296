package io.lb4j.engine.proxy;

/**
 * The UDP sessions of one service, least recently active first, for {@code maxUdpSessions}: an intrusive doubly
 * linked list through the sessions themselves, so that marking a session active (every datagram, either way) and
 * finding or removing the eldest are O(1) without a map or an allocation. Confined to the service's UDP event loop
 * (every VIP socket of a UDP service, and every session's upstream socket, is on that one loop); not thread-safe.
 */
final class UdpLru {

    private UdpSession eldest;
    private UdpSession newest;
    private int size;

    int size() {
        return size;
    }

    /** The least recently active session, or {@code null} when there is none. */
    UdpSession eldest() {
        return eldest;
    }

    /** Adds a new session as the most recently active. */
    void add(UdpSession s) {
        if (s.inLru) {
            return;
        }
        s.inLru = true;
        s.lruOlder = newest;
        s.lruNewer = null;
        if (newest != null) {
            newest.lruNewer = s;
        } else {
            eldest = s;
        }
        newest = s;
        size++;
    }

    /** Marks {@code s} the most recently active; nothing when it is not in the list (closed). */
    void touch(UdpSession s) {
        if (s.inLru && s != newest) {
            remove(s);
            add(s);
        }
    }

    /** Takes {@code s} out; nothing when it is not in. */
    void remove(UdpSession s) {
        if (!s.inLru) {
            return;
        }
        s.inLru = false;
        if (s.lruOlder != null) {
            s.lruOlder.lruNewer = s.lruNewer;
        } else {
            eldest = s.lruNewer;
        }
        if (s.lruNewer != null) {
            s.lruNewer.lruOlder = s.lruOlder;
        } else {
            newest = s.lruOlder;
        }
        s.lruOlder = null;
        s.lruNewer = null;
        size--;
    }
}
