package io.lb4j.admin;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.internal.Addresses;
import io.lb4j.config.SecretFile;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The admin server of one {@link LoadBalancer}: a JSON REST API, the System Overview page and a Prometheus scrape
 * endpoint, over HTTPS only, on the JDK's built-in {@code com.sun.net.httpserver} (no framework, nothing to
 * deploy).
 *
 * <pre>{@code
 * AdminServer admin = AdminServer.builder()
 *     .balancer(lb)
 *     .bind("127.0.0.1", 9443)
 *     .users(List.of(new AdminUser("operator", "pbkdf2-sha256$600000$..."),
 *         new AdminUser("prometheus", "pbkdf2-sha256$600000$...", AdminRole.METRICS)))
 *     .selfSignedCertificate(Path.of("/var/lib/lb4j/admin-tls"))
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>Guarantees: TLS always (a self-signed certificate is generated on first start, kept, and renewed before it
 * expires; or the user's own PKCS#12); plain HTTP to the port gets no HTTP answer; every API call but
 * {@code GET /api/health} and {@code POST /api/login} needs a session, and a user of the read-only
 * {@link AdminRole#METRICS} role may only scrape {@code /metrics}; every mutating call needs the session's CSRF token
 * in {@code X-CSRF-Token} and is written to the audit log (SLF4J logger {@code lb4j.audit}), where failures of
 * callers who are not logged in are aggregated; login attempts are rate-limited per client address (IPv6: per /64),
 * per user and in total; passwords are never logged or kept. Requests are handled on virtual threads, bounded in
 * number (per session and in total) and in time (reading headers and body, writing the answer); event streams end
 * with their session.
 * On one node of a clustered pair, {@link Builder#pairStatus} and {@link #pairChanged()} show its VRRP state
 * (read-only) in the API and on the page; on a node of an active-active cluster, {@link Builder#cluster} and
 * {@link #clusterChanged()} show its routes' announcement and let an operator drain it. The page's charts come from a sample of the status every 5 s, the last hour
 * of them kept in a bounded ring; every configuration that runs (at start, restored, rolled back, {@code PUT}) is kept
 * in a history of the last {@linkplain Builder#configHistory ten} to download or roll back to.
 * Thread-safe. See {@code lb-admin/README-admin.md} for the endpoints.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** The default port. */
    public static final int DEFAULT_PORT = 9443;
    /** Unauthenticated failures are aggregated per source, action and outcome over this long. */
    static final Duration AUDIT_INTERVAL = Duration.ofMinutes(1);
    /** How often expired sessions are ended (and their event streams closed) when no request finds them first. */
    private static final Duration SESSION_SWEEP = Duration.ofSeconds(10);
    /** How often the certificate's expiry is checked while the server runs (and at start). */
    private static final Duration CERTIFICATE_CHECK = Duration.ofDays(1);

    private final LoadBalancer balancer;
    private final InetSocketAddress bindAddress;
    private final TlsMaterial tls;
    private final MeterRegistry registry;
    private final AuditLog audit;
    private final Settings settings;
    private final PairView pair;
    private final ClusterView cluster;
    private final int historyKeep;
    private final Path historyDirectory;
    private final Duration chartInterval;
    private final int chartCapacity;
    private ConfigHistory history;
    private ChartSamples charts;
    private final Supplier<List<AlertDelivery>> alerts; // null: no alerts to show
    private volatile EventHub events;
    private AdminMetrics metrics;
    private HttpsServer server;
    private ExchangeExecutor executor;
    private ScheduledThreadPoolExecutor timer;
    private boolean started;
    private boolean stopped;

    private AdminServer(Builder b, TlsMaterial tls, MeterRegistry registry) {
        this.balancer = b.balancer;
        this.bindAddress = new InetSocketAddress(b.address, b.port);
        this.tls = tls;
        this.registry = registry;
        this.audit = new AuditLog(b.clock, b.auditCapacity, AUDIT_INTERVAL);
        this.settings = new Settings(b.authenticator != null ? b.authenticator
                : new UserDirectory(b.users, b.hashUpgrade != null ? b.hashUpgrade : upgraded -> {
                }),
                b.codec, b.clock, b.sessionTimeout, b.loginPerAddress, b.loginPerUser, b.loginTotal, b.statusInterval,
                b.maxConnections, b.maxConnectionsPerSession, b.maxStreams, b.maxStreamsPerSession,
                b.headerReadTimeout, b.bodyReadTimeout, b.writeTimeout);
        this.pair = b.pairStatus == null ? PairView.NONE : new PairView(b.pairStatus);
        this.cluster = b.cluster == null ? ClusterView.NONE : new ClusterView(b.cluster);
        this.historyKeep = b.historyKeep;
        this.historyDirectory = b.historyDirectory;
        this.chartInterval = b.chartInterval;
        this.chartCapacity = b.chartCapacity;
        this.alerts = b.alertStatus;
    }

    /** What start() needs from the builder, copied so later changes to the builder do not leak in. */
    private record Settings(Authenticator authenticator, ConfigCodec codec, Clock clock, Duration sessionTimeout,
                            LoginLimiter.Budget loginPerAddress, LoginLimiter.Budget loginPerUser,
                            LoginLimiter.Budget loginTotal, Duration statusInterval,
                            int maxConnections, int maxConnectionsPerSession, int maxStreams, int maxStreamsPerSession,
                            Duration headerReadTimeout, Duration bodyReadTimeout, Duration writeTimeout) {
    }

    /** A builder; {@link Builder#balancer} and users (or an authenticator) are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @return this
     * @throws IllegalStateException       when already started or stopped
     * @throws java.io.UncheckedIOException when the address cannot be bound, or the configuration history's directory
     *                                      cannot be created or listed
     */
    public synchronized AdminServer start() {
        if (started || stopped) {
            throw new IllegalStateException("admin server already " + (stopped ? "stopped" : "started"));
        }
        try {
            server = HttpsServer.create(bindAddress, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the admin server to "
                    + Addresses.hostPort(bindAddress.getAddress(), bindAddress.getPort()), e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(tls.context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.context.getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setSSLParameters(p);
            }
        });
        // One platform thread for the server's periodic work and deadlines; each task is short and never blocks.
        // Cancelled deadlines (most of them) leave the queue at once rather than when they would have fired.
        timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("lb4j-admin-timer").factory());
        timer.setRemoveOnCancelPolicy(true);
        // Subscriptions start with serving, so a server that is built but never started holds nothing.
        events = new EventHub(balancer, pair, cluster, settings.statusInterval(), settings.maxStreams(),
                settings.maxStreamsPerSession());
        metrics = new AdminMetrics(balancer, registry);
        history = new ConfigHistory(historyKeep, historyDirectory, settings.clock());
        recordStartup();
        charts = new ChartSamples(balancer::status, settings.clock(), chartInterval, chartCapacity);
        Sessions sessions = new Sessions(settings.clock(), settings.sessionTimeout(), 1000, events::endSession);
        AdminHandler handler = new AdminHandler(balancer, settings.authenticator(), settings.codec(), sessions,
                new LoginLimiter(settings.clock(), settings.loginPerAddress(), settings.loginPerUser(),
                        settings.loginTotal()), audit, events,
                pair, cluster, history, charts, PrometheusSupport.scraper(registry).orElse(null),
                new Permits(Integer.MAX_VALUE, settings.maxConnectionsPerSession()), settings.bodyReadTimeout(),
                settings.writeTimeout(), alerts);
        timer.scheduleAtFixedRate(audit::flush, AUDIT_INTERVAL.toMillis(), AUDIT_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        charts.sample();
        timer.scheduleAtFixedRate(charts::sample, chartInterval.toMillis(), chartInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(sessions::sweep, SESSION_SWEEP.toMillis(), SESSION_SWEEP.toMillis(),
                TimeUnit.MILLISECONDS);
        executor = new ExchangeExecutor(timer, settings.maxConnections(), settings.headerReadTimeout());
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        started = true;
        timer.scheduleAtFixedRate(this::checkCertificate, CERTIFICATE_CHECK.toMillis(), CERTIFICATE_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("admin server on {} (certificate SHA-256 {})", uri(), tls.fingerprint());
        return this;
    }

    /** Stops serving: event streams end, the port is released. Idempotent. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (server != null) {
            events.close();
            metrics.close();
            server.stop(0);
            executor.shutdownNow();
            timer.shutdownNow();
            audit.flush();
        }
    }

    /**
     * Starts the configuration history with what runs now, unless its newest entry (kept from before a restart)
     * already is exactly that: a rollback target from the first minute.
     */
    private void recordStartup() {
        String now = settings.codec().encode(balancer.services());
        if (history.latest().map(e -> !e.text().equals(now)).orElse(true)) {
            history.record("system", "startup", history.latest().isEmpty() ? "running configuration at start"
                    : "running configuration at start (differs from the last one in the history)", now);
        }
    }

    /** Takes a chart sample now; tests call it after moving their clock. */
    void sampleCharts() {
        charts.sample();
    }

    /**
     * Tells open pages that the {@linkplain Builder#pairStatus pair status} changed: each event stream sends an
     * {@code event: pair} with the supplier's value read as it writes it. Call it on every VRRP transition. Never
     * blocks (it only queues a notice per stream), so it may be called from the VRRP instance's own listener
     * thread; does nothing before {@link #start()}, after {@link #stop()} or without a pair. Thread-safe.
     */
    public void pairChanged() {
        EventHub hub = events;
        if (hub != null && pair != PairView.NONE) {
            hub.pairChanged();
        }
    }

    /**
     * Tells open pages that the {@linkplain Builder#cluster cluster node}'s routes changed: each event stream sends an
     * {@code event: cluster} with {@link ClusterControl#status()} read as it writes it. Call it on every change of a
     * route's state. Never blocks, like {@link #pairChanged()}; does nothing before {@link #start()}, after
     * {@link #stop()} or without a cluster. Thread-safe.
     */
    public void clusterChanged() {
        EventHub hub = events;
        if (hub != null && cluster != ClusterView.NONE) {
            hub.clusterChanged();
        }
    }

    /**
     * The daily check: renews a self-signed certificate that has less than 30 days left (the next connection gets
     * the new one), or warns about the user's own. Never throws: a failure is logged and tried again tomorrow.
     *
     * @return whether the certificate was renewed
     */
    boolean checkCertificate() {
        try {
            return tls.renewIfExpiring();
        } catch (RuntimeException e) {
            LOG.warn("admin TLS certificate: cannot renew it; the current one stays in use", e);
            return false;
        }
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * The address and port actually bound (the port is chosen by the system when 0 was configured).
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("admin server not started");
        }
        return server.getAddress();
    }

    /** {@code https://address:port/}; a wildcard bind address shows as {@code 127.0.0.1}. */
    public URI uri() {
        InetSocketAddress a = address();
        InetAddress host = a.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : a.getAddress();
        return URI.create("https://" + Addresses.hostPort(host, a.getPort()) + "/");
    }

    /** The certificate the server presents now, e.g. to pin it in a client (a renewal replaces it). */
    public X509Certificate certificate() {
        return tls.certificate();
    }

    /** The registry the balancer's meters are in: the one given, else a Prometheus or simple one made here. */
    public MeterRegistry meterRegistry() {
        return registry;
    }

    /**
     * The most recent audit entries, oldest first: the last 1,000 calls of logged-in users, and apart from them (so
     * that a flood cannot push those out) the last 1,000 aggregates of unauthenticated failures, one per source
     * (IPv4 address or IPv6 /64), action and outcome per minute, with their {@link AuditEntry#count() count}.
     */
    public List<AuditEntry> auditLog() {
        return audit.entries();
    }

    /**
     * Configures an {@link AdminServer}. Setters record values; {@link #build()} checks them and prepares TLS (which
     * may generate the certificate). Not thread-safe.
     */
    public static final class Builder {
        private LoadBalancer balancer;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = DEFAULT_PORT;
        private List<AdminUser> users;
        private Authenticator authenticator;
        private Path certificateDirectory;
        private Path keyStore;
        private char[] keyStorePassword;
        private Path keyStorePasswordFile;
        private ConfigCodec codec = ConfigCodec.json();
        private MeterRegistry registry;
        private LoginLimiter.Budget loginPerAddress = new LoginLimiter.Budget(5, Duration.ofMinutes(1));
        private LoginLimiter.Budget loginPerUser = new LoginLimiter.Budget(10, Duration.ofMinutes(1));
        private LoginLimiter.Budget loginTotal = new LoginLimiter.Budget(60, Duration.ofMinutes(1));
        private Duration sessionTimeout = Duration.ofMinutes(30);
        private Clock clock = Clock.systemUTC();
        private Duration statusInterval = Duration.ofSeconds(2);
        private int auditCapacity = 1000;
        private Supplier<Optional<PairStatus>> pairStatus;
        private ClusterControl cluster;
        private Supplier<List<AlertDelivery>> alertStatus;
        private Consumer<AdminUser> hashUpgrade;
        private int maxConnections = 64;
        private int maxConnectionsPerSession = 8;
        private int maxStreams = 16;
        private int maxStreamsPerSession = 4;
        private Duration headerReadTimeout = Duration.ofSeconds(10);
        private Duration bodyReadTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private int historyKeep = 10;
        private Path historyDirectory;
        private Duration chartInterval = Duration.ofSeconds(5);
        private int chartCapacity = 720;

        Builder() {
        }

        /** The balancer to administer; required. */
        public Builder balancer(LoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
            return this;
        }

        /**
         * The address (an IP literal; no name lookup) and port to listen on; default {@code 127.0.0.1:9443}. Use
         * {@code 0.0.0.0} or a LAN address to expose it, port 0 for any free port.
         *
         * @throws IllegalArgumentException when the address is not an IP literal or the port is not 0-65535
         */
        public Builder bind(String address, int port) {
            Objects.requireNonNull(address, "address");
            try {
                this.address = InetAddress.ofLiteral(address);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("admin.address: \"" + address + "\" (expected: an IPv4 or IPv6"
                        + " literal such as 127.0.0.1)", e);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("admin.port: " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * The users who may log in, each with a role ({@link AdminRole#OPERATOR} or the read-only
         * {@link AdminRole#METRICS}); required unless an {@link #authenticator} is set.
         */
        public Builder users(List<AdminUser> users) {
            this.users = List.copyOf(users);
            return this;
        }

        /**
         * Hears of each password hash the server upgraded, to persist it. A user whose hash has fewer than
         * {@link PasswordHash#ITERATIONS} iterations (made before lb4j raised the figure) still logs in; at that
         * login the server hashes the password again at today's cost and checks the new hash from then on, in
         * memory. Persist {@code upgraded.passwordHash()} where the user is configured (the appliance replaces the
         * user's {@code passwordHash} in its file), or the next start begins with the old hash again and upgrades
         * it again. Called once per upgrade, on the request thread of the login, after the check; keep it short.
         * An exception is logged and the login still succeeds. Only with {@link #users}.
         */
        public Builder onPasswordHashUpgrade(Consumer<AdminUser> listener) {
            this.hashUpgrade = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Login through your own directory instead of {@link #users}. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /**
         * Keep a generated self-signed certificate in {@code directory} (created owner-only; the certificate is
         * made on first start and reused). This is the default, with {@code ~/.lb4j/admin-tls}. It is renewed,
         * with a WARN naming the new fingerprint, when less than 30 days of it remain: at build, and daily while the
         * server runs. Clients that pin it must pin the new one then.
         */
        public Builder selfSignedCertificate(Path directory) {
            this.certificateDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Use your own key and certificate from a PKCS#12 file instead of a self-signed one. */
        public Builder keyStore(Path pkcs12, char[] password) {
            this.keyStore = Objects.requireNonNull(pkcs12, "pkcs12");
            this.keyStorePassword = Objects.requireNonNull(password, "password").clone();
            this.keyStorePasswordFile = null;
            return this;
        }

        /**
         * Use your own key and certificate from a PKCS#12 file, whose password is in {@code passwordFile} (the whole
         * file, UTF-8, without one trailing line end). The file is read at {@link #build()} and refused when its
         * group or others may read or write it, with the {@code chmod} that fixes it. A certificate with less than
         * 30 days left is warned about at build and daily.
         */
        public Builder keyStore(Path pkcs12, Path passwordFile) {
            this.keyStore = Objects.requireNonNull(pkcs12, "pkcs12");
            this.keyStorePasswordFile = Objects.requireNonNull(passwordFile, "passwordFile");
            this.keyStorePassword = null;
            return this;
        }

        /** How {@code GET/PUT /api/config} read and write services; default {@link ConfigCodec#json()}. */
        public Builder configCodec(ConfigCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * The configuration history ({@code GET /api/config/history}): the last {@code keep} configurations that
         * ran, each with who applied it, when and what it changed, to download or roll back to; default 10, in
         * memory. With a {@code directory} (created if missing, e.g. {@code /var/lib/lb4j/config-history}) each entry
         * is also a file there, owner-only, so the history survives a restart.
         *
         * @param directory where to keep the entries, or null for memory only
         * @throws IllegalArgumentException when keep is not 1-1000
         */
        public Builder configHistory(int keep, Path directory) {
            this.historyKeep = range("admin.configHistory", keep, 1, 1000);
            this.historyDirectory = directory;
            return this;
        }

        /**
         * Where to register meters; default a Prometheus registry when {@code micrometer-registry-prometheus} is on
         * the class path (then {@code GET /metrics} serves it), else a {@link SimpleMeterRegistry}.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * At most {@code attempts} logins per client source (an IPv4 address, or an IPv6 /64) at once, refilled at
         * that many per {@code period}; default 5 per minute. Further attempts get 429 with {@code Retry-After}.
         * Logins are also limited {@linkplain #loginAttemptsPerUser per user} and {@linkplain #loginAttemptsTotal in
         * total}; an attempt must pass all three.
         *
         * @throws IllegalArgumentException when attempts is not 1-1000 or the period not positive
         */
        public Builder loginAttempts(int attempts, Duration period) {
            this.loginPerAddress = budget("admin.loginAttempts", attempts, 1000, "admin.loginPeriod", period);
            return this;
        }

        /**
         * At most {@code attempts} logins per user name (known or not) at once, refilled at that many per
         * {@code period}, from all addresses together; default 10 per minute. A guesser who spreads over many
         * addresses still gets this many guesses per user; the price is that such a guesser can slow that user's
         * own logins down to this rate.
         *
         * @throws IllegalArgumentException when attempts is not 1-1000 or the period not positive
         */
        public Builder loginAttemptsPerUser(int attempts, Duration period) {
            this.loginPerUser = budget("admin.loginAttemptsPerUser", attempts, 1000, "admin.loginPeriodPerUser",
                    period);
            return this;
        }

        /**
         * At most {@code attempts} logins in total at once, refilled at that many per {@code period}; default 60 per
         * minute. Bounds the CPU that password checks can take (each is {@link PasswordHash#ITERATIONS} PBKDF2
         * rounds), whatever the number of addresses and names.
         *
         * @throws IllegalArgumentException when attempts is not 1-100000 or the period not positive
         */
        public Builder loginAttemptsTotal(int attempts, Duration period) {
            this.loginTotal = budget("admin.loginAttemptsTotal", attempts, 100_000, "admin.loginPeriodTotal", period);
            return this;
        }

        private static LoginLimiter.Budget budget(String attemptsField, int attempts, int max, String periodField,
                                                  Duration period) {
            if (attempts < 1 || attempts > max) {
                throw new IllegalArgumentException(attemptsField + ": " + attempts + " (expected: 1-" + max + ")");
            }
            positive(periodField, period);
            return new LoginLimiter.Budget(attempts, period);
        }

        private static Duration positive(String field, Duration value) {
            Objects.requireNonNull(value, field);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
            }
            return value;
        }

        /**
         * A session ends after this long without a request; default 30 minutes.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = positive("admin.sessionTimeout", timeout);
            return this;
        }

        /**
         * At most {@code total} requests in progress at once, and {@code perSession} of one session; defaults 64 and
         * 8. A request is in progress from its first byte (the TLS handshake included) to the end of its answer; an
         * open event stream is one. Past {@code total} a new request's connection is closed unanswered at once
         * (before any of it is read, so a flood costs nothing); past {@code perSession} the answer is 429.
         * Connections idle between requests are the JDK server's: it closes them after 30 s.
         *
         * @throws IllegalArgumentException when total is not 1-10000 or perSession not 1-total
         */
        public Builder maxConnections(int total, int perSession) {
            this.maxConnections = range("admin.maxConnections", total, 1, 10_000);
            this.maxConnectionsPerSession = range("admin.maxConnectionsPerSession", perSession, 1, total);
            return this;
        }

        /**
         * At most {@code total} Server-Sent-Event streams ({@code GET /api/events/stream}, one per open page) at
         * once, and {@code perSession} of one session; defaults 16 and 4. More answer 429. A stream ends with its
         * session: at logout, and within one status interval (2 s) of the session's expiry.
         *
         * @throws IllegalArgumentException when total is not 1-10000 or perSession not 1-total
         * @see #maxConnections the streams must leave room for commands: build() checks total &lt; maxConnections
         */
        public Builder maxEventStreams(int total, int perSession) {
            this.maxStreams = range("admin.maxEventStreams", total, 1, 10_000);
            this.maxStreamsPerSession = range("admin.maxEventStreamsPerSession", perSession, 1, total);
            return this;
        }

        /**
         * Deadlines for a client: reading a request's headers (from its first byte, the TLS handshake included),
         * reading its body, and writing its answer (for an event stream: each event). A client slower than that is
         * disconnected, so one that sends or reads a byte a minute holds nothing for long. Defaults 10 s, 30 s and
         * 30 s.
         *
         * @throws IllegalArgumentException when one is not positive
         */
        public Builder timeouts(Duration requestHeaders, Duration requestBody, Duration responseWrite) {
            this.headerReadTimeout = positive("admin.headerReadTimeout", requestHeaders);
            this.bodyReadTimeout = positive("admin.bodyReadTimeout", requestBody);
            this.writeTimeout = positive("admin.writeTimeout", responseWrite);
            return this;
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + "-" + max + ")");
            }
            return value;
        }

        /**
         * Shows the clustered pair this node belongs to: {@code GET /api/pair}, a {@code pair} field in the status,
         * and the page's "Clustered pair" panel. Without it (the default) the node is shown as running alone. The
         * supplier is called on request threads whenever a page or client reads the status, so it must be cheap and
         * thread-safe; it returns empty while there is no pair to show. Call {@link AdminServer#pairChanged()} on
         * every transition so open pages update at once rather than at the next periodic status.
         */
        public Builder pairStatus(Supplier<Optional<PairStatus>> supplier) {
            this.pairStatus = Objects.requireNonNull(supplier, "supplier");
            return this;
        }

        /**
         * Shows the active-active cluster this node belongs to and lets an operator drain it: {@code GET
         * /api/cluster}, {@code POST /api/cluster/drain} and {@code /undrain} (audited, CSRF-checked like every
         * operator command), a {@code cluster} field in the status, and the page's "Active-active cluster" panel
         * with a Drain / Undrain button. Without it (the default) those paths answer 404 and the panel is hidden.
         * Call {@link AdminServer#clusterChanged()} on every change of a route so open pages update at once.
         */
        public Builder cluster(ClusterControl control) {
            this.cluster = Objects.requireNonNull(control, "control");
            return this;
        }

        /**
         * Shows the alerts' delivery record: {@code GET /api/alerts} (operator role), one {@link AlertDelivery} per
         * channel. Without it (the default) that path answers 404. The supplier is called on request threads, so it
         * must be cheap and thread-safe.
         */
        public Builder alertStatus(Supplier<List<AlertDelivery>> supplier) {
            this.alertStatus = Objects.requireNonNull(supplier, "supplier");
            return this;
        }

        /** The clock for sessions, rate limits and audit times; tests inject one. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How often the charts take a sample, and how many they keep; default every 5 s for an hour. */
        Builder chartSampling(Duration interval, int capacity) {
            this.chartInterval = positive("admin.chartInterval", interval);
            this.chartCapacity = range("admin.chartSamples", capacity, 2, 100_000);
            return this;
        }

        /** How often event streams carry a status snapshot between events; default 2 s. */
        Builder statusInterval(Duration interval) {
            this.statusInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Checks the settings and loads (or generates) the TLS key; nothing is bound until {@link #start()}.
         *
         * @throws IllegalStateException        when the balancer or the users are missing, or users and an
         *                                      authenticator are both set, or a key store and a certificate
         *                                      directory are both set
         * @throws IllegalArgumentException     when a password file is missing or its group or others may read it
         * @throws java.io.UncheckedIOException when the key store cannot be read or the certificate not generated
         */
        public AdminServer build() {
            if (balancer == null) {
                throw new IllegalStateException("admin.balancer: missing (expected: the LoadBalancer to administer)");
            }
            if (users == null && authenticator == null) {
                throw new IllegalStateException("admin.users: missing (expected: at least one user, or an"
                        + " authenticator)");
            }
            if (users != null && authenticator != null) {
                throw new IllegalStateException("admin.users: set together with an authenticator (expected: one)");
            }
            if (authenticator != null && hashUpgrade != null) {
                throw new IllegalStateException("admin.onPasswordHashUpgrade: set together with an authenticator"
                        + " (expected: users, whose hashes the server checks)");
            }
            if (users != null && users.isEmpty()) {
                throw new IllegalStateException("admin.users: [] (expected: at least one user)");
            }
            if (maxStreams >= maxConnections) {
                throw new IllegalStateException("admin.maxEventStreams: " + maxStreams + " (expected: fewer than"
                        + " admin.maxConnections, " + maxConnections + ", so that commands still get through)");
            }
            if (keyStore != null && certificateDirectory != null) {
                throw new IllegalStateException("admin.tls: both a key store and a self-signed certificate directory"
                        + " (expected: one)");
            }
            TlsMaterial tls;
            if (keyStore != null) {
                // The password is cleared once the key store is open: nothing keeps it.
                char[] password = keyStorePassword != null ? keyStorePassword
                        : SecretFile.readPassword("admin.tls.keyStorePasswordFile", keyStorePasswordFile);
                try {
                    tls = TlsMaterial.fromKeyStore(keyStore, password, clock);
                } finally {
                    Arrays.fill(password, '\0');
                }
            } else {
                Path dir = certificateDirectory != null ? certificateDirectory
                        : Path.of(System.getProperty("user.home"), ".lb4j", "admin-tls");
                tls = TlsMaterial.selfSigned(dir, address, clock);
            }
            MeterRegistry r = registry != null ? registry
                    : PrometheusSupport.available() ? PrometheusSupport.newRegistry() : new SimpleMeterRegistry();
            return new AdminServer(this, tls, r);
        }
    }
}
