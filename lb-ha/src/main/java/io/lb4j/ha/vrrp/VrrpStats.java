package io.lb4j.ha.vrrp;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of one {@link VrrpInstance}, an immutable snapshot.
 *
 * @param advertsSent        adverts sent (one per destination: unicast peers count one each)
 * @param advertsAccepted    adverts for this VRID that passed every check and reached the state machine
 * @param addressMismatches  accepted adverts from the address owner (priority 255) whose address list differs from
 *                           ours (RFC 5798 7.1: used, logged once); from anyone else such an advert is dropped as
 *                           {@link DropReason#ADDRESS_MISMATCH}
 * @param clampedIntervals   adverts whose Max Adver Int was above the instance's maximum learned interval, used as
 *                           that maximum
 * @param rateLimitedReplies out-of-turn adverts not sent because one went out less than an advert interval before
 * @param dropped            dropped packets by reason; every reason is present, zero when none
 */
public record VrrpStats(long advertsSent, long advertsAccepted, long addressMismatches, long clampedIntervals,
                        long rateLimitedReplies, Map<DropReason, Long> dropped) {

    public VrrpStats {
        EnumMap<DropReason, Long> all = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            all.put(r, dropped.getOrDefault(r, 0L));
        }
        dropped = Map.copyOf(all);
    }

    /** Dropped packets of one reason. */
    public long dropped(DropReason reason) {
        return dropped.get(reason);
    }

    /** Every dropped packet except {@link DropReason#OTHER_VRID} and {@link DropReason#OWN_ADVERT}, which are normal. */
    public long badPackets() {
        long n = 0;
        for (Map.Entry<DropReason, Long> e : dropped.entrySet()) {
            if (e.getKey() != DropReason.OTHER_VRID && e.getKey() != DropReason.OWN_ADVERT) {
                n += e.getValue();
            }
        }
        return n;
    }
}
