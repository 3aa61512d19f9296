package io.lb4j.engine.director;

import io.lb4j.api.spi.Network;

import java.util.ServiceLoader;

/** Finds the real network for health checks on the class path ({@code io.lb4j:lb-healthcheck} provides it). */
final class Networks {

    private Networks() {
    }

    static Network system() {
        return ServiceLoader.load(Network.class, Networks.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no health-check network on the class path"
                        + " (expected: io.lb4j:lb-healthcheck, which provides one)"));
    }
}
