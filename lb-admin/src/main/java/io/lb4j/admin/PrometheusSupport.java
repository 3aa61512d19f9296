package io.lb4j.admin;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The optional Prometheus scrape: {@code micrometer-registry-prometheus} is an optional dependency, so its types
 * are touched only inside {@link Impl}, which is loaded only once the class is known to be present. Thread-safe.
 */
final class PrometheusSupport {

    private static final boolean AVAILABLE = present("io.micrometer.prometheusmetrics.PrometheusMeterRegistry");

    private PrometheusSupport() {
    }

    static boolean available() {
        return AVAILABLE;
    }

    /** A new Prometheus registry; only when {@link #available()}. */
    static MeterRegistry newRegistry() {
        return Impl.newRegistry();
    }

    /** The text-format scrape of {@code registry}, or of a Prometheus registry inside a composite one. */
    static Optional<Supplier<String>> scraper(MeterRegistry registry) {
        if (!AVAILABLE) {
            return Optional.empty();
        }
        if (registry instanceof CompositeMeterRegistry c) {
            return c.getRegistries().stream().map(PrometheusSupport::scraper).flatMap(Optional::stream).findFirst();
        }
        return Impl.scraper(registry);
    }

    private static boolean present(String name) {
        try {
            Class<?> registry = Class.forName(name, false, PrometheusSupport.class.getClassLoader());
            // On the module path this module reads the registry only when it was resolved (requires static); on the
            // class path beside a modular lb4j it is in the unnamed module, which a named module reads only when told.
            PrometheusSupport.class.getModule().addReads(registry.getModule());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static final class Impl {
        static MeterRegistry newRegistry() {
            return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                    io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        }

        static Optional<Supplier<String>> scraper(MeterRegistry registry) {
            return registry instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry p
                    ? Optional.of(p::scrape) : Optional.empty();
        }
    }
}
