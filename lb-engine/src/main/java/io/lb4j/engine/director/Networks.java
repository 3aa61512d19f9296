package io.lb4j.engine.director;

import io.lb4j.api.spi.Network;
import io.lb4j.healthcheck.net.NettyNetwork;

/** The real network health checks use when the builder was given none. */
final class Networks {

    private Networks() {
    }

    static Network system() {
        return NettyNetwork.create();
    }
}
