package io.lb4j.engine.proxy;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Turns Netty's leak reports (paranoid in tests, see the parent pom) into a test failure instead of a log line:
 * a listener on the ByteBuf leak detector collects them, {@link #assertNoLeaks()} provokes a report and checks.
 */
final class LeakCheck {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ((ResourceLeakDetector<?>) f.get(null)).setLeakListener((type, records) -> LEAKS.add(type + records));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LeakCheck() {
    }

    static void install() {
        // the static initialiser did it
    }

    /** Collects garbage and allocates, so the detector reports what was collected unreleased; none may be. */
    static void assertNoLeaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 200; i++) {
                ByteBuf b = ByteBufAllocator.DEFAULT.buffer(64);
                b.release();
            }
        }
        assertThat(LEAKS).as("Netty leak reports").isEmpty();
    }
}
