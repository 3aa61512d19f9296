package io.lb4j.api.spi;

import io.lb4j.api.VirtualService;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An immutable snapshot of where one virtual service sends new connections. The control plane builds a new one on
 * every change and hands it to the engine, which swaps one reference; readers never block and never see half a
 * change. Live connection counts live in the {@link Backend}s, which are shared between snapshots.
 *
 * <p>{@link #route(long)} applies, in order: source persistence, the fallback's {@link #fallbackShare() share}
 * during a slow start, the scheduler, the next available backend when the chosen one is at its connection limit,
 * and finally the fallback.
 */
public final class RoutingTable {

    /** {@link #fallbackShare()} of all new connections: one million. */
    public static final int SHARE_SCALE = 1_000_000;

    private final VirtualService service;
    private final long version;
    private final List<Backend> backends;
    private final Backend fallback;
    private final boolean onFallback;
    private final Selector selector;
    private final PersistenceTable persistence;
    private final int fallbackShare;
    private final AtomicLong turns = new AtomicLong();
    private final int ipv4Mask;
    private final long ipv6MaskHigh;
    private final long ipv6MaskLow;

    /** {@link #RoutingTable(VirtualService, long, List, Backend, boolean, PersistenceTable, int)} with no share. */
    public RoutingTable(VirtualService service, long version, List<Backend> backends, Backend fallback,
                        boolean onFallback, PersistenceTable persistence) {
        this(service, version, backends, fallback, onFallback, persistence, 0);
    }

    /**
     * @param service     the service's spec
     * @param version     increases with every snapshot of the service
     * @param backends    the real servers that may take new connections now, in configured order
     * @param fallback    the fallback backend, or {@code null} when the service has none
     * @param onFallback  whether the service has failed over (no real server may take new connections)
     * @param persistence the service's persistence table, or {@code null} when persistence is off
     * @param fallbackShare the share of new connections, in millionths ({@value #SHARE_SCALE} = all), that go to the
     *                    fallback although {@code backends} may take them: slow start while a service fails back
     * @throws IllegalArgumentException when {@code fallbackShare} is outside 0-{@value #SHARE_SCALE}
     */
    public RoutingTable(VirtualService service, long version, List<Backend> backends, Backend fallback,
                        boolean onFallback, PersistenceTable persistence, int fallbackShare) {
        if (fallbackShare < 0 || fallbackShare > SHARE_SCALE) {
            throw new IllegalArgumentException("fallbackShare: " + fallbackShare + " (expected: 0-" + SHARE_SCALE + ")");
        }
        this.fallbackShare = fallbackShare;
        int prefix = service.persistenceNetmask();
        this.ipv4Mask = prefix >= 32 ? -1 : prefix == 0 ? 0 : -1 << (32 - prefix);
        this.ipv6MaskHigh = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        this.ipv6MaskLow = prefix >= 128 ? -1L : prefix <= 64 ? 0 : -1L << (128 - prefix);
        this.service = Objects.requireNonNull(service, "service");
        this.version = version;
        this.backends = List.copyOf(backends);
        this.fallback = fallback;
        this.onFallback = onFallback;
        this.selector = this.backends.isEmpty() ? k -> null : service.scheduler().newSelector(this.backends);
        this.persistence = persistence;
    }

    public VirtualService service() {
        return service;
    }

    public long version() {
        return version;
    }

    /** The real servers that may take new connections, in configured order. */
    public List<Backend> backends() {
        return backends;
    }

    /** The fallback, or {@code null}. */
    public Backend fallback() {
        return fallback;
    }

    /**
     * The share of new connections, in millionths, that go to the fallback although real servers may take them
     * (slow start while the service fails back); 0 in every other snapshot.
     */
    public int fallbackShare() {
        return fallbackShare;
    }

    /** Whether the service has failed over to its fallback. */
    public boolean onFallback() {
        return onFallback;
    }

    /**
     * Picks the backend for a new connection and claims a slot on it: the caller must call
     * {@link Backend#release()} when that connection ends. Returns {@code null} when nothing can take it.
     *
     * @param clientKey {@link #clientKeyFor(InetAddress)} of the client's address
     */
    public Backend route(long clientKey) {
        if (!backends.isEmpty()) {
            if (persistence != null) {
                String stuck = persistence.lookup(clientKey);
                if (stuck != null) {
                    for (Backend b : backends) {
                        if (b.label().equals(stuck) && b.tryAcquire()) {
                            persistence.remember(clientKey, stuck);
                            return b;
                        }
                    }
                }
            }
            if (fallbackShare > 0 && fallback != null && fallbackTurn() && fallback.tryAcquire()) {
                return fallback;
            }
            Backend chosen = selector.select(clientKey);
            if (chosen != null && chosen.tryAcquire()) {
                return remembered(clientKey, chosen);
            }
            // The chosen one hit its limit between selection and claim, or nothing was chosen: try the others in turn.
            int start = chosen == null ? 0 : backends.indexOf(chosen) + 1;
            for (int i = 0; i < backends.size(); i++) {
                Backend b = backends.get((start + i) % backends.size());
                if (b.weight() > 0 && b.tryAcquire()) {
                    return remembered(clientKey, b);
                }
            }
        }
        if (fallback != null && fallback.tryAcquire()) {
            return fallback;
        }
        return null;
    }

    /**
     * Whether this new connection is the fallback's: the n-th connection is when {@code floor((n + 1) * share)}
     * passes a whole number, so any run of connections gives the fallback its share to within one, lock-free.
     */
    private boolean fallbackTurn() {
        long n = turns.getAndIncrement();
        return (n + 1) * fallbackShare / SHARE_SCALE != n * fallbackShare / SHARE_SCALE;
    }

    private Backend remembered(long clientKey, Backend b) {
        if (persistence != null) {
            persistence.remember(clientKey, b.label());
        }
        return b;
    }

    /**
     * The key engines pass to {@link #route(long)} for a client of this service: {@link #clientKey(InetAddress)} of
     * the address cut to the service's {@link VirtualService#persistenceNetmask() persistence netmask}, so that
     * clients of one prefix share a persistence entry. The same in every engine.
     */
    public long clientKeyFor(InetAddress client) {
        return key(client, ipv4Mask, ipv6MaskHigh, ipv6MaskLow);
    }

    /** {@link #clientKeyFor(InetAddress)} for an IPv4 address given as a big-endian int, without allocation. */
    public long clientKeyForIpv4(int address) {
        return clientKeyIpv4(address & ipv4Mask);
    }

    /** {@link #clientKeyFor(InetAddress)} for an IPv6 address given as two big-endian longs, without allocation. */
    public long clientKeyForIpv6(long high, long low) {
        return clientKeyIpv6(high & ipv6MaskHigh, low & ipv6MaskLow);
    }

    /** The key engines pass to {@link #route(long)} for a client address; the same in every engine. */
    public static long clientKey(InetAddress client) {
        return key(client, -1, -1L, -1L);
    }

    private static long key(InetAddress client, int ipv4Mask, long ipv6MaskHigh, long ipv6MaskLow) {
        byte[] a = client.getAddress();
        if (client instanceof Inet4Address) {
            return clientKeyIpv4(ipv4Mask
                    & (((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF)));
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (a[i] & 0xFF);
            lo = (lo << 8) | (a[i + 8] & 0xFF);
        }
        return clientKeyIpv6(hi & ipv6MaskHigh, lo & ipv6MaskLow);
    }

    /** {@link #clientKey(InetAddress)} for an IPv4 address given as a big-endian int, without allocation. */
    public static long clientKeyIpv4(int address) {
        return mix(address & 0xFFFFFFFFL);
    }

    /** {@link #clientKey(InetAddress)} for an IPv6 address given as two big-endian longs, without allocation. */
    public static long clientKeyIpv6(long high, long low) {
        return mix(high * 0x9E3779B97F4A7C15L ^ low);
    }

    // SplitMix64's finaliser: every input bit affects every output bit, so nearby addresses spread evenly.
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
