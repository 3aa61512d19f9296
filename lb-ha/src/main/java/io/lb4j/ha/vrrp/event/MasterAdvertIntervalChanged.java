package io.lb4j.ha.vrrp.event;

import java.time.Duration;
import java.time.Instant;

/**
 * In backup state, the master's adverts carry another interval than the one used so far; Master_Down_Interval is
 * now computed from {@code interval} (RFC 5798 6.4.2: the backup learns the master's interval).
 */
public record MasterAdvertIntervalChanged(Instant at, int vrid, Duration previous, Duration interval)
        implements HaEvent {
}
