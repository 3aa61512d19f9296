package io.lb4j.engine.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The live flows by service and backend label, so Halt ({@code expire}) and {@code uninstall} can find them, and the
 * count of open TCP connections that {@code stop} waits on. Thread-safe.
 */
final class FlowRegistry {

    private final Map<String, Map<String, Set<Flow>>> byService = new ConcurrentHashMap<>();
    private final Object openLock = new Object();
    private int open; // guarded by openLock

    void add(String service, String backend, Flow flow) {
        byService.computeIfAbsent(service, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(backend, b -> ConcurrentHashMap.newKeySet())
                .add(flow);
    }

    void remove(String service, String backend, Flow flow) {
        Map<String, Set<Flow>> byBackend = byService.get(service);
        if (byBackend != null) {
            Set<Flow> set = byBackend.get(backend);
            if (set != null) {
                set.remove(flow);
            }
        }
    }

    /** Aborts the flows of {@code service} to {@code backend}. */
    void abort(String service, String backend) {
        Map<String, Set<Flow>> byBackend = byService.get(service);
        if (byBackend != null) {
            Set<Flow> set = byBackend.get(backend);
            if (set != null) {
                abortEach(new ArrayList<>(set), f -> true);
            }
        }
    }

    void abortService(String service, Predicate<Flow> which) {
        Map<String, Set<Flow>> byBackend = byService.get(service);
        if (byBackend != null) {
            List<Flow> all = new ArrayList<>();
            byBackend.values().forEach(all::addAll);
            abortEach(all, which);
        }
    }

    void abortAll(Predicate<Flow> which) {
        for (String service : byService.keySet()) {
            abortService(service, which);
        }
    }

    void forEach(Consumer<Flow> action) {
        for (Map<String, Set<Flow>> byBackend : byService.values()) {
            for (Set<Flow> set : byBackend.values()) {
                set.forEach(action);
            }
        }
    }

    private static void abortEach(List<Flow> flows, Predicate<Flow> which) {
        for (Flow f : flows) {
            if (which.test(f)) {
                f.abort();
            }
        }
    }

    /** A TCP connection was accepted. */
    void opened() {
        synchronized (openLock) {
            open++;
        }
    }

    /** A TCP connection ended (both sides closed, its backend slot released). */
    void closed() {
        synchronized (openLock) {
            if (--open == 0) {
                openLock.notifyAll();
            }
        }
    }

    int openConnections() {
        synchronized (openLock) {
            return open;
        }
    }

    /** Waits until no TCP connection is open or {@code deadlineNanos} ({@link System#nanoTime()}) passes. */
    boolean awaitNoConnections(long deadlineNanos) {
        synchronized (openLock) {
            while (open > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(openLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return open == 0;
                }
            }
            return true;
        }
    }
}
