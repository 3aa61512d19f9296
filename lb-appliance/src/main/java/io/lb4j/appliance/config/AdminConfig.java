package io.lb4j.appliance.config;

import io.lb4j.admin.AdminServer;
import io.lb4j.admin.AlertDelivery;
import io.lb4j.admin.AdminUser;
import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.ClusterControl;
import io.lb4j.admin.PairStatus;
import io.lb4j.api.LoadBalancer;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code admin:} section of an appliance file: where the admin server (REST API, System Overview page,
 * {@code /metrics}) listens, who may log in and which certificate it presents. A value: a reload compares it with
 * the running one to tell that admin settings changed (they take effect only after a restart). Immutable; holds
 * password hashes and file names, never a password.
 *
 * @param address        the IP literal to bind; default {@code 127.0.0.1}
 * @param port           0-65535; default {@link AdminServer#DEFAULT_PORT}
 * @param users          the operators, at least one
 * @param tls            a self-signed certificate kept in a directory, or the user's own PKCS#12 key store
 * @param loginAttempts  logins per client address per {@code loginPeriod}; default 5
 * @param loginPeriod    default 1 minute
 * @param sessionTimeout idle time that ends a session; default 30 minutes
 */
public record AdminConfig(String address, int port, List<AdminUser> users, Tls tls, int loginAttempts,
                          Duration loginPeriod, Duration sessionTimeout) {

    /** The defaults of the optional keys, as {@code AdminServer.Builder} has them. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** Default login attempts per period. */
    public static final int DEFAULT_LOGIN_ATTEMPTS = 5;
    /** Default login period. */
    public static final Duration DEFAULT_LOGIN_PERIOD = Duration.ofMinutes(1);
    /**
     * How many configurations the admin server's history keeps to roll back to. Under systemd (the Debian package's
     * unit has {@code StateDirectory=lb4j}) they are kept in {@code $STATE_DIRECTORY/config-history}, i.e.
     * {@code /var/lib/lb4j/config-history}, and survive a restart; elsewhere in memory.
     */
    public static final int CONFIG_HISTORY = 10;
    /** Default idle session timeout. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(30);

    /** Requires every field and copies the users; the loader has checked the values. */
    public AdminConfig {
        Objects.requireNonNull(address, "address");
        users = List.copyOf(users);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(loginPeriod, "loginPeriod");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    }

    /** Where the admin server's key and certificate come from ({@code admin.tls}). */
    public sealed interface Tls {
        /** The default: {@code ~/.lb4j/admin-tls}. */
        static Tls defaultSelfSigned() {
            return new SelfSigned(Path.of(System.getProperty("user.home"), ".lb4j", "admin-tls"));
        }
    }

    /** {@code tls.selfSignedDirectory}: generated on first start, kept and reused. */
    public record SelfSigned(Path directory) implements Tls {
        /** Requires the directory. */
        public SelfSigned {
            Objects.requireNonNull(directory, "directory");
        }
    }

    /** {@code tls.keyStore} and {@code tls.keyStorePasswordFile}: the user's own PKCS#12 and its password. */
    public record KeyStore(Path file, Path passwordFile) implements Tls {
        /** Requires both files. */
        public KeyStore {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(passwordFile, "passwordFile");
        }
    }

    /**
     * A not yet started admin server for {@code balancer} with these settings. Reads the key store's password
     * file (refused when its group or others may read it) and may generate the self-signed certificate.
     *
     * @param codec how {@code GET/PUT /api/config} read and write services
     * @throws UncheckedIOException     when the password file or key store cannot be read, or the certificate not
     *                                  generated
     * @throws IllegalArgumentException when the key store cannot be opened with the password
     */
    public AdminServer server(LoadBalancer balancer, ConfigCodec codec) {
        return server(balancer, codec, null);
    }

    /**
     * As {@link #server(LoadBalancer, ConfigCodec)}, showing the clustered pair this node belongs to.
     *
     * @param pair the node's pair status ({@code AdminServer.Builder.pairStatus}), or null on a node without
     *             {@code ha:}
     */
    public AdminServer server(LoadBalancer balancer, ConfigCodec codec, Supplier<Optional<PairStatus>> pair) {
        return server(balancer, codec, pair, null);
    }

    /**
     * As {@link #server(LoadBalancer, ConfigCodec, Supplier)}, showing the alerts' delivery record
     * ({@code GET /api/alerts}).
     *
     * @param alerts the channels' records ({@code AdminServer.Builder.alertStatus}), or null without {@code alerts:}
     */
    public AdminServer server(LoadBalancer balancer, ConfigCodec codec, Supplier<Optional<PairStatus>> pair,
                              Supplier<List<AlertDelivery>> alerts) {
        return server(balancer, codec, pair, alerts, null);
    }

    /**
     * As {@link #server(LoadBalancer, ConfigCodec, Supplier, Supplier)}, showing the active-active cluster this node
     * belongs to and letting an operator drain it ({@code GET /api/cluster}, {@code POST /api/cluster/drain}).
     *
     * @param cluster the node's routes ({@code AdminServer.Builder.cluster}), or null without {@code cluster:}
     */
    public AdminServer server(LoadBalancer balancer, ConfigCodec codec, Supplier<Optional<PairStatus>> pair,
                              Supplier<List<AlertDelivery>> alerts, ClusterControl cluster) {
        AdminServer.Builder b = AdminServer.builder().balancer(balancer).bind(address, port).users(users)
                .loginAttempts(loginAttempts, loginPeriod).sessionTimeout(sessionTimeout).configCodec(codec);
        if (pair != null) {
            b.pairStatus(pair);
        }
        b.configHistory(CONFIG_HISTORY, stateDirectory().map(d -> d.resolve("config-history")).orElse(null));
        if (alerts != null) {
            b.alertStatus(alerts);
        }
        if (cluster != null) {
            b.cluster(cluster);
        }
        switch (tls) {
            case SelfSigned s -> b.selfSignedCertificate(s.directory());
            // The server reads the password file itself, refusing one that its group or others may read.
            case KeyStore k -> b.keyStore(k.file(), k.passwordFile());
        }
        return b.build();
    }

    /** systemd's {@code $STATE_DIRECTORY} (the first, when the unit names several), if set. */
    private static Optional<Path> stateDirectory() {
        String dirs = System.getenv("STATE_DIRECTORY");
        return dirs == null || dirs.isBlank() ? Optional.empty() : Optional.of(Path.of(dirs.split(":")[0]));
    }

    @Override
    public String toString() {
        return "AdminConfig[" + address + ":" + port + ", users " + users + ", " + tls + "]";
    }
}
