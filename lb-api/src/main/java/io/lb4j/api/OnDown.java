package io.lb4j.api;

/**
 * What happens to a real server's established connections when its health check marks it {@link
 * RealServerState#DOWN DOWN}. Set per service with {@link VirtualService.Builder#onDown(OnDown)}; the default is
 * {@link #KEEP}, lb4j's behaviour before the setting existed.
 *
 * <p>New connections never go to a DOWN server whichever is chosen; this only decides the fate of the ones it
 * already has. A server marked DOWN by a {@code dicom-echo} check may still hold a modality's association on a hung
 * PACS: with {@code KEEP} that association stays open, and hung, until the modality gives up; with {@code CLOSE}
 * the modality sees it end at once and reconnects, to the fallback when no real server is left.
 */
public enum OnDown {
    /**
     * Established connections stay (HAProxy's default, and IPVS's without {@code expire_nodest_conn}): a server that
     * fails only its check, or fails briefly, loses no transfer in progress. The default.
     */
    KEEP("keep"),
    /**
     * Established connections end, as on {@link LoadBalancer#halt Halt} (HAProxy's {@code on-marked-down
     * shutdown-sessions}). The proxy engine resets both sides of each connection (the client reads
     * "connection reset", not an orderly end of stream it could take for a complete answer); the packet engine
     * drops the server's flows from its flow table, so their next segment is dropped as for IPVS's
     * {@code expire_nodest_conn} (a TCP client then reconnects; a UDP client's next datagram is balanced anew).
     */
    CLOSE("close");

    private final String configName;

    OnDown(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration files: {@code keep} or {@code close}. */
    public String configName() {
        return configName;
    }

    /**
     * The value with the given configuration name.
     *
     * @throws IllegalArgumentException naming the allowed values when none matches
     */
    public static OnDown fromConfigName(String name) {
        for (OnDown o : values()) {
            if (o.configName.equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("onDown: \"" + name + "\" (expected: keep, close)");
    }
}
