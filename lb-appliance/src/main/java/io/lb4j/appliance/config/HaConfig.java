package io.lb4j.appliance.config;

import io.lb4j.api.internal.Addresses;
import io.lb4j.config.Durations;
import io.lb4j.config.SecretFile;
import io.lb4j.ha.vrrp.VrrpInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The {@code ha:} section of an appliance file: this node's half of a clustered pair (lb-ha). VRRP settings for
 * {@code io.lb4j.ha.vrrp.VrrpInstance}, the node's role in config replication (the primary pushes its services to the
 * secondary), the management addresses and ports replication and flow sync use, and the file holding the shared
 * secret. A value: a reload compares it with the one the node started with, since none of it can change without a
 * restart ({@link #differences}).
 *
 * <p>Immutable; holds the secret's file name, never the secret: {@link #readSecret()} reads it when the pair starts.
 * The loader has checked every value (and that the secret file is readable and long enough).
 *
 * @param networkInterface VRRP's interface ({@code ha.interface})
 * @param vrid             virtual router id, 1-255, the same on both nodes
 * @param priority         1-255, higher is master; 255 only for the address owner
 * @param advertInterval   the master's advert interval
 * @param virtualAddresses IPv4 or IPv6 literals (one family) VRRP moves between the nodes, none twice
 * @param preempt          whether a higher-priority backup takes over from a live master
 * @param preemptDelay     keepalived's {@code preempt_delay}
 * @param unicastPeers     literals of the virtual addresses' family adverts go to instead of 224.0.0.18 or
 *                         ff02::12 (an IPv6 peer by its link-local address); empty for multicast
 * @param role             {@link Role#PRIMARY} publishes its services, {@link Role#SECONDARY} receives them
 * @param peer             the other node's management address
 * @param listen           this node's management address
 * @param replicationPort  TCP port the secondary's config receiver listens on (on its {@code listen} address)
 * @param flowSyncPort     TCP port of flow sync on both nodes; present exactly when the engine is {@code packet}
 * @param secretFile       the file holding the shared secret (at least 16 bytes; one line end at the end is dropped)
 * @param stateDirectory   where the primary keeps its replication epoch ({@code ha.stateDirectory}, default
 *                         {@value #DEFAULT_STATE_DIRECTORY}), so a restarted primary's versions are newer whatever
 *                         its clock says
 */
public record HaConfig(String networkInterface, int vrid, int priority, Duration advertInterval,
                       List<String> virtualAddresses, boolean preempt, Duration preemptDelay,
                       List<String> unicastPeers, Role role, InetAddress peer, InetAddress listen,
                       int replicationPort, OptionalInt flowSyncPort, Path secretFile, Path stateDirectory) {

    /** Where the replication epoch lives when the file does not say. */
    public static final String DEFAULT_STATE_DIRECTORY = "/var/lib/lb4j";

    /** The shortest secret the replication and flow-sync channels accept, as lb-ha checks it. */
    public static final int MIN_SECRET_BYTES = 16;
    /** Default advert interval, as {@code VrrpInstance}'s. */
    public static final Duration DEFAULT_ADVERT_INTERVAL = Duration.ofSeconds(1);
    /** Default replication port. */
    public static final int DEFAULT_REPLICATION_PORT = 7790;
    /** Default flow-sync port (packet engine only). */
    public static final int DEFAULT_FLOW_SYNC_PORT = 7791;

    /** Which way the service list is replicated. */
    public enum Role {
        /** Pushes its services to the peer on start and on every reload. */
        PRIMARY,
        /** Applies the services the primary pushes; a reload of its own file does not change them. */
        SECONDARY;

        /** As the file writes it. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A file without {@code stateDirectory:}: the epoch in {@value #DEFAULT_STATE_DIRECTORY}. */
    public HaConfig(String networkInterface, int vrid, int priority, Duration advertInterval,
                    List<String> virtualAddresses, boolean preempt, Duration preemptDelay, List<String> unicastPeers,
                    Role role, InetAddress peer, InetAddress listen, int replicationPort, OptionalInt flowSyncPort,
                    Path secretFile) {
        this(networkInterface, vrid, priority, advertInterval, virtualAddresses, preempt, preemptDelay, unicastPeers,
                role, peer, listen, replicationPort, flowSyncPort, secretFile, Path.of(DEFAULT_STATE_DIRECTORY));
    }

    /** Requires every field and copies the lists. */
    public HaConfig {
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(networkInterface, "networkInterface");
        Objects.requireNonNull(advertInterval, "advertInterval");
        virtualAddresses = List.copyOf(virtualAddresses);
        Objects.requireNonNull(preemptDelay, "preemptDelay");
        unicastPeers = List.copyOf(unicastPeers);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(flowSyncPort, "flowSyncPort");
        Objects.requireNonNull(secretFile, "secretFile");
    }

    /**
     * A new, not yet started VRRP instance with these settings (checksum mode: keepalived's default). Creating it
     * opens no socket; {@code start()} does.
     */
    public VrrpInstance vrrp() {
        VrrpInstance.Builder b = VrrpInstance.builder().networkInterface(networkInterface).vrid(vrid)
                .priority(priority).advertInterval(advertInterval).preempt(preempt).preemptDelay(preemptDelay);
        virtualAddresses.forEach(b::virtualAddress);
        unicastPeers.forEach(b::unicastPeer);
        return b.build();
    }

    /**
     * The pair's replication and flow sync as a cluster's with one peer: the same channels, whichever node is the
     * primary publishing to the other.
     */
    public ClusterConfig.Replication replication() {
        return new ClusterConfig.Replication(listen, List.of(peer), role == Role.PRIMARY ? listen : peer,
                replicationPort, flowSyncPort, secretFile, stateDirectory);
    }

    /**
     * The shared secret: the file's bytes, without one trailing line end ({@code \n} or {@code \r\n}), so a secret
     * written with {@code echo} or an editor matches one written without. The caller should overwrite the array
     * once the channels have it.
     *
     * @throws UncheckedIOException when the file cannot be read
     * @throws IllegalStateException when the file is now shorter than {@link #MIN_SECRET_BYTES}
     */
    public byte[] readSecret() {
        return readSecret("ha.secretFile", secretFile);
    }

    /** {@link #readSecret()} of a file named by {@code key} (the cluster's secret file is read alike). */
    static byte[] readSecret(String key, Path file) {
        byte[] secret = SecretFile.read(key, file);
        if (secret.length < MIN_SECRET_BYTES) {
            int length = secret.length;
            Arrays.fill(secret, (byte) 0);
            throw new IllegalStateException(key + ": " + file + " holds " + length
                    + " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
        }
        return secret;
    }

    /**
     * The settings that differ from {@code other}, each as {@code ha.key: old -> new}, in the file's key order;
     * empty when they are equal. A reload uses it to name what it refuses to change.
     */
    public List<String> differences(HaConfig other) {
        List<String> d = new ArrayList<>();
        diff(d, "interface", networkInterface, other.networkInterface);
        diff(d, "vrid", vrid, other.vrid);
        diff(d, "priority", priority, other.priority);
        diff(d, "advertInterval", advertInterval, other.advertInterval);
        diff(d, "virtualAddresses", virtualAddresses, other.virtualAddresses);
        diff(d, "preempt", preempt, other.preempt);
        diff(d, "preemptDelay", preemptDelay, other.preemptDelay);
        diff(d, "unicastPeers", unicastPeers, other.unicastPeers);
        diff(d, "role", role.configName(), other.role.configName());
        diff(d, "peer", Addresses.text(peer), Addresses.text(other.peer));
        diff(d, "listen", Addresses.text(listen), Addresses.text(other.listen));
        diff(d, "replicationPort", replicationPort, other.replicationPort);
        diff(d, "flowSyncPort", flowSyncPort.isPresent() ? flowSyncPort.getAsInt() : "none",
                other.flowSyncPort.isPresent() ? other.flowSyncPort.getAsInt() : "none");
        diff(d, "secretFile", secretFile, other.secretFile);
        diff(d, "stateDirectory", stateDirectory, other.stateDirectory);
        return d;
    }

    private static void diff(List<String> into, String key, Object mine, Object theirs) {
        if (!mine.equals(theirs)) {
            into.add("ha." + key + ": " + shown(mine) + " -> " + shown(theirs));
        }
    }

    private static String shown(Object value) {
        return value instanceof Duration d ? Durations.format(d) : String.valueOf(value);
    }
}
