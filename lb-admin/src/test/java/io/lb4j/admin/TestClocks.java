package io.lb4j.admin;

import io.lb4j.testkit.VirtualClock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The test kit's {@link VirtualClock} seen as the {@link Clock} the admin server takes. */
final class TestClocks {

    private TestClocks() {
    }

    static Clock of(VirtualClock time) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException("UTC only");
            }

            @Override
            public Instant instant() {
                return time.now();
            }
        };
    }
}
