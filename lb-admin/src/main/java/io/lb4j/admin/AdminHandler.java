package io.lb4j.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.status.ServiceStatus;
import io.lb4j.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Routes every request of the admin server: static page files, the JSON API and the metrics scrape. Owns the
 * security rules: session cookie, roles (a metrics user scrapes {@code /metrics} and nothing else), CSRF token on
 * mutating calls, login rate limits, audit of mutating calls (unauthenticated failures aggregated), requests in
 * progress per session, the body-read and write deadlines, and the response headers that keep the page from being
 * framed or sniffed. Called on the {@link ExchangeExecutor}'s virtual threads; thread-safe.
 */
final class AdminHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    static final String SESSION_COOKIE = "lb4j_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final int MAX_BODY = 1 << 20;
    private static final int MAX_LOGIN_BODY = 8 << 10;
    private static final String JSON = "application/json; charset=utf-8";
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    private static final Map<String, String> STATIC = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml",
            // uPlot (MIT), unpacked from its webjar at build time; its licence is served beside it.
            "vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8",
            "vendor/uPlot.min.css", "text/css; charset=utf-8",
            "vendor/LICENSE", "text/plain; charset=utf-8");
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);
    private static final List<String> ACTIONS = List.of("halt", "drain", "online");

    private final LoadBalancer balancer;
    private final Authenticator authenticator;
    private final ConfigCodec codec;
    private final Sessions sessions;
    private final LoginLimiter limiter;
    private final AuditLog audit;
    private final EventHub events;
    private final PairView pair;
    private final ClusterView cluster;
    private final ConfigHistory history;
    private final ChartSamples charts;
    /** One configuration change at a time, so each history entry's "what changed" compares with its predecessor. */
    private final Object configLock = new Object();
    private final Supplier<List<AlertDelivery>> alerts; // null: none configured
    private final Supplier<String> prometheus;
    private final Permits requests;
    private final Duration bodyTimeout;
    private final Duration writeTimeout;
    /** SHA-256 of accepted Basic credentials -> principal, so a scraper does not pay PBKDF2 on every scrape. */
    private final Map<String, AdminPrincipal> basicCache = new ConcurrentHashMap<>();

    /**
     * @param requests     requests in progress per session (the total is the executor's)
     * @param bodyTimeout  how long reading a request's body may take
     * @param writeTimeout how long writing an answer, or one event of a stream, may take
     */
    AdminHandler(LoadBalancer balancer, Authenticator authenticator, ConfigCodec codec, Sessions sessions,
                 LoginLimiter limiter, AuditLog audit, EventHub events, PairView pair, ClusterView cluster,
                 ConfigHistory history,
                 ChartSamples charts, Supplier<String> prometheus,
                 Permits requests, Duration bodyTimeout, Duration writeTimeout,
                 Supplier<List<AlertDelivery>> alerts) {
        this.alerts = alerts;
        this.requests = requests;
        this.bodyTimeout = bodyTimeout;
        this.writeTimeout = writeTimeout;
        this.balancer = balancer;
        this.authenticator = authenticator;
        this.codec = codec;
        this.sessions = sessions;
        this.limiter = limiter;
        this.audit = audit;
        this.events = events;
        this.pair = pair;
        this.cluster = cluster;
        this.history = history;
        this.charts = charts;
        this.prometheus = prometheus;
    }

    /** An error answer: status, a machine-readable code and a message for people. */
    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final transient ObjectNode body;
        final String retryAfter;

        ApiError(int status, String code, String message) {
            this(status, Json.error(code, message), null);
        }

        ApiError(int status, ObjectNode body, String retryAfter) {
            super(body.path("message").asText(), null, false, false);
            this.status = status;
            this.body = body;
            this.retryAfter = retryAfter;
        }
    }

    @Override
    public void handle(HttpExchange ex) {
        Deadline deadline = ExchangeExecutor.current();
        deadline.disarm(); // the request's headers are in
        Sessions.Session caller = null;
        boolean counted = false;
        try {
            Headers h = ex.getResponseHeaders();
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Strict-Transport-Security", "max-age=31536000");
            h.set("Content-Security-Policy", CSP);
            h.set("Cache-Control", "no-store");
            caller = sessionOrNull(ex);
            if (caller != null) {
                if (requests.tryAcquire(caller.id()) != Permits.Result.ACQUIRED) {
                    throw new ApiError(429, "too_many_requests", requests.perKey() + " requests of this session are"
                            + " in progress (expected: at most " + requests.perKey() + "; raise"
                            + " admin.maxConnectionsPerSession)");
                }
                counted = true;
            }
            route(ex, caller);
        } catch (ApiError e) {
            if (e.retryAfter != null) {
                ex.getResponseHeaders().set("Retry-After", e.retryAfter);
            }
            send(ex, e.status, JSON, Json.write(e.body));
        } catch (IOException e) {
            LOG.debug("admin client went away: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("admin request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
            send(ex, 500, JSON, Json.write(Json.error("internal", "internal error: " + e.getClass().getSimpleName())));
        } finally {
            // Closing flushes the rest of the answer (and drains an unread body): a write like any other.
            deadline.arm(writeTimeout, "writing the answer");
            ex.close();
            deadline.disarm();
            if (counted) {
                requests.release(caller.id());
            }
        }
    }

    private void route(HttpExchange ex, Sessions.Session caller) throws IOException {
        String method = ex.getRequestMethod();
        List<String> seg = segments(ex.getRequestURI().getRawPath());
        if (!seg.isEmpty() && seg.getFirst().equals("metrics")) {
            // The scrape endpoint and nothing below it: a metrics user's credentials open no other door.
            if (seg.size() != 1) {
                throw notFound(ex);
            }
            allow(method, "GET");
            metrics(ex, caller);
            return;
        }
        if (seg.isEmpty() || !seg.getFirst().equals("api")) {
            staticFile(ex, method, seg);
            return;
        }
        List<String> api = seg.subList(1, seg.size());
        String first = api.isEmpty() ? "" : api.getFirst();
        switch (first) {
            case "health" -> {
                exactly(api, 1);
                allow(method, "GET");
                boolean running = balancer.status().running();
                sendJson(ex, running ? 200 : 503, Json.object().put("status", running ? "UP" : "DOWN")
                        .put("running", running));
            }
            case "login" -> {
                exactly(api, 1);
                allow(method, "POST");
                login(ex);
            }
            case "logout" -> {
                exactly(api, 1);
                allow(method, "POST");
                mutate(ex, caller, false, "logout", "", s -> {
                    sessions.remove(s.id());
                    ex.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE
                            + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
                    return Json.object().put("loggedOut", true);
                });
            }
            case "session" -> {
                exactly(api, 1);
                allow(method, "GET");
                Sessions.Session s = session(caller);
                sendJson(ex, 200, sessionJson(s));
            }
            case "status" -> {
                exactly(api, 1);
                allow(method, "GET");
                operator(caller);
                sendJson(ex, 200, status());
            }
            case "pair" -> {
                exactly(api, 1);
                allow(method, "GET");
                operator(caller);
                sendJson(ex, 200, pair());
            }
            case "cluster" -> cluster(ex, method, api, caller);
            case "alerts" -> {
                exactly(api, 1);
                allow(method, "GET");
                operator(caller);
                sendJson(ex, 200, alerts());
            }
            case "services" -> services(ex, method, api, caller);
            case "config" -> {
                if (api.size() == 1) {
                    config(ex, method, caller);
                } else {
                    backup(ex, method, api, caller);
                }
            }
            case "charts" -> {
                exactly(api, 1);
                allow(method, "GET");
                operator(caller);
                sendJson(ex, 200, charts.json());
            }
            case "events" -> {
                if (api.size() == 2 && api.get(1).equals("stream")) {
                    allow(method, "GET");
                    stream(ex, caller);
                } else {
                    exactly(api, 1);
                    allow(method, "GET");
                    operator(caller);
                    sendJson(ex, 200, Json.object().set("events", Json.events(history(ex))));
                }
            }
            case "audit" -> {
                exactly(api, 1);
                allow(method, "GET");
                operator(caller);
                ArrayNode a = Json.MAPPER.createArrayNode();
                audit.entries().forEach(e -> a.add(Json.audit(e)));
                sendJson(ex, 200, Json.object().set("entries", a));
            }
            default -> throw notFound(ex);
        }
    }

    // ------------------------------------------------------------------------------------------------ endpoints

    private void services(HttpExchange ex, String method, List<String> api, Sessions.Session caller)
            throws IOException {
        if (api.size() == 1) {
            allow(method, "GET");
            operator(caller);
            sendJson(ex, 200, status());
            return;
        }
        String service = api.get(1);
        if (api.size() == 2) {
            allow(method, "GET");
            operator(caller);
            sendJson(ex, 200, Json.service(serviceStatus(service)));
            return;
        }
        if (api.size() != 5 || !api.get(2).equals("real-servers") || !ACTIONS.contains(api.get(4))) {
            throw notFound(ex);
        }
        allow(method, "POST");
        String real = api.get(3);
        String action = api.get(4);
        mutate(ex, caller, true, action, service + "/" + real, s -> {
            switch (action) {
                case "halt" -> balancer.halt(service, real);
                case "drain" -> balancer.drain(service, real);
                default -> balancer.online(service, real);
            }
            ServiceStatus st = serviceStatus(service);
            return Json.object().put("service", service).set("realServer", Json.realServer(st.realServer(real)));
        });
    }

    /** The balancer's status with the pair's and the cluster's ({@code null} on a node without one). */
    private JsonNode status() {
        return events.status();
    }

    /**
     * {@code GET /api/cluster} (404 on a node outside a cluster, 500 when the embedder's control failed), and the
     * operator's {@code POST /api/cluster/drain} and {@code /undrain}, which answer with the status after the change.
     */
    private void cluster(HttpExchange ex, String method, List<String> api, Sessions.Session caller)
            throws IOException {
        if (api.size() == 1) {
            allow(method, "GET");
            operator(caller);
            sendJson(ex, 200, clusterStatus());
            return;
        }
        if (api.size() != 2 || !(api.get(1).equals("drain") || api.get(1).equals("undrain"))) {
            throw notFound(ex);
        }
        allow(method, "POST");
        boolean drain = api.get(1).equals("drain");
        mutate(ex, caller, true, "cluster." + api.get(1), "", s -> {
            try {
                cluster.drain(drain);
            } catch (Supplied.Unavailable e) {
                throw new ApiError(500, "cluster_unavailable", e.getMessage());
            }
            return clusterStatus();
        });
    }

    private ObjectNode clusterStatus() {
        Optional<ClusterStatus> c;
        try {
            c = cluster.read();
        } catch (Supplied.Unavailable e) {
            throw new ApiError(500, "cluster_unavailable", e.getMessage());
        }
        return ClusterView.json(c.orElseThrow(() -> new ApiError(404, "not_found",
                "no active-active cluster: this node announces no routes")));
    }

    /** {@code GET /api/alerts}: each channel's delivery record; 404 when no alerts are configured. */
    private JsonNode alerts() {
        if (alerts == null) {
            throw new ApiError(404, "not_found", "no alerts configured");
        }
        ArrayNode channels = Json.MAPPER.createArrayNode();
        for (AlertDelivery d : alerts.get()) {
            channels.add(Json.object().put("channel", d.channel()).put("target", d.target()).put("sent", d.sent())
                    .put("failed", d.failed()).put("suppressed", d.suppressed()).put("pending", d.pending())
                    .put("lastSent", d.lastSent() == null ? null : d.lastSent().toString())
                    .put("lastFailure", d.lastFailure() == null ? null : d.lastFailure().toString())
                    .put("lastError", d.lastError()));
        }
        ObjectNode body = Json.object();
        body.set("channels", channels);
        return body;
    }

    /** {@code GET /api/pair}: 404 on a node without a pair, 500 when the embedder's supplier failed. */
    private JsonNode pair() {
        Optional<PairStatus> p;
        try {
            p = pair.read();
        } catch (Supplied.Unavailable e) {
            throw new ApiError(500, "pair_unavailable", e.getMessage());
        }
        return PairView.json(p.orElseThrow(() -> new ApiError(404, "not_found",
                "no clustered pair: this node runs alone")));
    }

    private ServiceStatus serviceStatus(String label) {
        try {
            return balancer.status().service(label);
        } catch (NoSuchElementException e) {
            throw new ApiError(404, "not_found", e.getMessage());
        }
    }

    private void config(HttpExchange ex, String method, Sessions.Session caller) throws IOException {
        if (method.equals("GET")) {
            operator(caller);
            send(ex, 200, codec.mediaType() + "; charset=utf-8", codec.encode(balancer.services()));
            return;
        }
        allow(method, "GET", "PUT");
        String[] encoded = new String[1];
        mutate(ex, caller, true, "config.replace", "", s -> {
            encoded[0] = apply(new String(body(ex, MAX_BODY), StandardCharsets.UTF_8), s.user(), "config.replace",
                    "").text();
            return null;
        });
        send(ex, 200, codec.mediaType() + "; charset=utf-8", encoded[0]);
    }

    /**
     * Backup and restore: {@code GET /api/config/backup} (the running configuration as a file), {@code POST
     * /api/config/restore} (a file's text as the body), {@code GET /api/config/history}, {@code GET
     * /api/config/history/{id}} (that entry's text) and {@code POST /api/config/history/{id}/rollback}. Operators
     * only; the mutating two need the CSRF token and are audited like every mutating call.
     */
    private void backup(HttpExchange ex, String method, List<String> api, Sessions.Session caller)
            throws IOException {
        switch (api.get(1)) {
            case "backup" -> {
                exactly(api, 2);
                allow(method, "GET");
                operator(caller);
                download(ex, codec.encode(balancer.services()), history.latest().map(ConfigHistory.Entry::at)
                        .orElse(Instant.now()));
            }
            case "restore" -> {
                exactly(api, 2);
                allow(method, "POST");
                mutate(ex, caller, true, "config.restore", "", s -> entryJson(apply(
                        new String(body(ex, MAX_BODY), StandardCharsets.UTF_8), s.user(), "config.restore", "")));
            }
            case "history" -> {
                if (api.size() == 2) {
                    allow(method, "GET");
                    operator(caller);
                    ObjectNode n = Json.object().put("keep", history.keep());
                    ArrayNode a = n.putArray("entries");
                    history.entries().forEach(e -> a.add(entryJson(e)));
                    sendJson(ex, 200, n);
                    return;
                }
                long id = entryId(api.get(2));
                if (api.size() == 3) {
                    allow(method, "GET");
                    operator(caller);
                    ConfigHistory.Entry e = historyEntry(id);
                    download(ex, e.text(), e.at());
                    return;
                }
                if (api.size() != 4 || !api.get(3).equals("rollback")) {
                    throw notFound(ex);
                }
                allow(method, "POST");
                mutate(ex, caller, true, "config.rollback", "#" + id, s -> entryJson(apply(historyEntry(id).text(),
                        s.user(), "config.rollback", "rolled back to #" + id + ": ")));
            }
            default -> throw notFound(ex);
        }
    }

    /**
     * Decodes, checks and applies a configuration, then records it in the history. Nothing is applied when the text
     * is not valid: 400 {@code invalid_config} with the bad field's {@code path} ({@code line L, column C} for YAML,
     * the JSON pointer for JSON) and, where known, {@code line} and {@code column}.
     */
    private ConfigHistory.Entry apply(String text, String user, String action, String prefix) {
        List<VirtualService> services;
        try {
            services = codec.decode(text);
            LoadBalancer.Builder.validateServices(services);
        } catch (InvalidConfigException e) {
            ObjectNode body = Json.error("invalid_config", e.getMessage()).put("path", e.path());
            if (e.getCause() instanceof ConfigException c && c.line() > 0) {
                body.put("line", c.line());
                if (c.column() > 0) {
                    body.put("column", c.column());
                }
            }
            throw new ApiError(400, body, null);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, Json.error("invalid_config", e.getMessage()).put("path", "services"), null);
        }
        synchronized (configLock) {
            List<VirtualService> before = balancer.services();
            try {
                balancer.reconfigure(services);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, Json.error("invalid_config", e.getMessage()).put("path", "services"), null);
            }
            List<VirtualService> after = balancer.services();
            return history.record(user, action, prefix + ConfigDiff.describe(before, after), codec.encode(after));
        }
    }

    private ConfigHistory.Entry historyEntry(long id) {
        return history.entry(id).orElseThrow(() -> new ApiError(404, "not_found", "configuration #" + id
                + " is not in the history (it keeps the last " + history.keep() + ")"));
    }

    private static long entryId(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(404, "not_found", "configuration #" + text + " (expected: a history entry's id)");
    }

    private static ObjectNode entryJson(ConfigHistory.Entry e) {
        return Json.object().put("id", e.id()).put("at", e.at().toString()).put("user", e.user())
                .put("action", e.action()).put("change", e.change());
    }

    /** A configuration as a file to save: {@code lb4j-config-20261206-171500.yaml} (or {@code .json}). */
    private void download(HttpExchange ex, String text, Instant at) {
        String ext = codec.mediaType().contains("yaml") ? ".yaml" : ".json";
        ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"lb4j-config-"
                + FILE_TIME.format(at) + ext + "\"");
        send(ex, 200, codec.mediaType() + "; charset=utf-8", text);
    }

    private List<LbEvent> history(HttpExchange ex) {
        List<LbEvent> all = balancer.events().history();
        int limit = 10_000;
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String part : q.split("&")) {
                if (part.startsWith("limit=")) {
                    try {
                        limit = Integer.parseInt(part.substring(6));
                    } catch (NumberFormatException e) {
                        limit = -1;
                    }
                    if (limit < 1 || limit > 10_000) {
                        throw new ApiError(400, "bad_request", "limit: " + part.substring(6) + " (expected: 1-10000)");
                    }
                }
            }
        }
        return all.size() <= limit ? all : all.subList(all.size() - limit, all.size());
    }

    private void stream(HttpExchange ex, Sessions.Session caller) throws IOException {
        Sessions.Session s = operator(caller);
        EventHub.Client client;
        try {
            client = events.open(s.id());
        } catch (EventHub.TooManyStreams e) {
            throw new ApiError(429, "too_many_streams", e.getMessage());
        }
        boolean streaming = false;
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("X-Accel-Buffering", "no");
            Deadline deadline = ExchangeExecutor.current();
            deadline.arm(writeTimeout, "writing the response headers");
            ex.sendResponseHeaders(200, 0);
            deadline.disarm();
            streaming = true;
            try (OutputStream out = ex.getResponseBody()) {
                events.stream(client, out, deadline, writeTimeout, sessions::alive);
            }
        } finally {
            if (!streaming) {
                events.abandon(client);
            }
        }
    }

    private void metrics(HttpExchange ex, Sessions.Session caller) throws IOException {
        if (caller == null && basicUser(ex) == null) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"lb4j admin\", charset=\"UTF-8\"");
            throw new ApiError(401, "unauthorized", "log in, or send HTTP Basic credentials of an admin user (role"
                    + " operator or metrics)");
        }
        if (prometheus == null) {
            throw new ApiError(404, "not_found", "no Prometheus registry: add io.micrometer:"
                    + "micrometer-registry-prometheus to the class path, or pass a PrometheusMeterRegistry");
        }
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.get());
    }

    private void login(HttpExchange ex) throws IOException {
        String remote = remote(ex);
        JsonNode body = json(ex, MAX_LOGIN_BODY);
        JsonNode u = body.get("username");
        JsonNode p = body.get("password");
        if (u == null || !u.isTextual() || p == null || !p.isTextual()) {
            throw new ApiError(400, "bad_request", "expected {\"username\": \"...\", \"password\": \"...\"}");
        }
        String username = u.asText();
        limit(ex, username, "login", "");
        char[] password = p.asText().toCharArray();
        Optional<AdminPrincipal> user;
        try {
            user = authenticator.authenticate(username, password);
        } catch (RuntimeException e) {
            LOG.warn("authenticator failed for a login of \"{}\": {}", username.replaceAll("\\p{Cntrl}", "?"),
                    e.toString());
            user = Optional.empty();
        } finally {
            Arrays.fill(password, '\0');
        }
        if (user.isEmpty()) {
            audit.unauthenticated(username, address(ex), "login", "", "denied: wrong user name or password");
            throw new ApiError(401, "unauthorized", "wrong user name or password");
        }
        Sessions.Session s = sessions.create(user.get());
        ex.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE + "=" + s.id()
                + "; Path=/; Secure; HttpOnly; SameSite=Strict");
        audit.record(s.user(), remote, "login", "", "ok");
        sendJson(ex, 200, sessionJson(s));
    }

    // ------------------------------------------------------------------------------------------------ security

    private interface Mutation {
        ObjectNode apply(Sessions.Session session) throws IOException;
    }

    /**
     * Runs a mutating call: requires a session and its CSRF token, audits the outcome whatever it is, and answers
     * with the mutation's JSON (or leaves answering to the caller when it returns null).
     */
    private void mutate(HttpExchange ex, Sessions.Session caller, boolean operatorOnly, String action, String target,
                        Mutation m) throws IOException {
        String remote = remote(ex);
        Sessions.Session s = caller;
        if (s == null) {
            audit.unauthenticated("", address(ex), action, target, "denied: not logged in");
            throw new ApiError(401, "unauthorized", "log in first");
        }
        if (operatorOnly && s.role() != AdminRole.OPERATOR) {
            audit.record(s.user(), remote, action, target, "denied: role " + s.role().configName());
            throw forbidden(s);
        }
        if (!Sessions.csrfMatches(s, ex.getRequestHeaders().getFirst(CSRF_HEADER))) {
            audit.record(s.user(), remote, action, target, "denied: missing or wrong CSRF token");
            throw new ApiError(403, "csrf", "missing or wrong " + CSRF_HEADER + " header (expected: the csrfToken"
                    + " returned by POST /api/login or GET /api/session)");
        }
        ObjectNode result;
        try {
            result = m.apply(s);
        } catch (NoSuchElementException e) {
            audit.record(s.user(), remote, action, target, "failed: " + e.getMessage());
            throw new ApiError(404, "not_found", e.getMessage());
        } catch (ApiError e) {
            audit.record(s.user(), remote, action, target, "failed: " + e.getMessage());
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            audit.record(s.user(), remote, action, target, "failed: " + e.getMessage());
            throw new ApiError(400, "bad_request", e.getMessage());
        }
        audit.record(s.user(), remote, action, target, "ok");
        if (result != null) {
            sendJson(ex, 200, result);
        }
    }

    /** The caller's session; 401 without one. */
    private static Sessions.Session session(Sessions.Session caller) {
        if (caller == null) {
            throw new ApiError(401, "unauthorized", "log in first");
        }
        return caller;
    }

    /** The session of an operator: 401 without one, 403 for a metrics user. */
    private static Sessions.Session operator(Sessions.Session caller) {
        Sessions.Session s = session(caller);
        if (s.role() != AdminRole.OPERATOR) {
            throw forbidden(s);
        }
        return s;
    }

    private static ApiError forbidden(Sessions.Session s) {
        return new ApiError(403, "forbidden", "user \"" + s.user() + "\" has role " + s.role().configName()
                + " (expected: operator); a metrics user may only scrape /metrics");
    }

    private static ObjectNode sessionJson(Sessions.Session s) {
        return Json.object().put("user", s.user()).put("role", s.role().configName()).put("csrfToken", s.csrfToken());
    }

    private Sessions.Session sessionOrNull(HttpExchange ex) {
        List<String> cookies = ex.getRequestHeaders().get("Cookie");
        if (cookies == null) {
            return null;
        }
        for (String header : cookies) {
            for (String c : header.split(";")) {
                String t = c.strip();
                if (t.startsWith(SESSION_COOKIE + "=")) {
                    Optional<Sessions.Session> s = sessions.touch(t.substring(SESSION_COOKIE.length() + 1));
                    if (s.isPresent()) {
                        return s.get();
                    }
                }
            }
        }
        return null;
    }

    /** HTTP Basic for scrapers; rate-limited like logins, successes cached by credential digest. */
    private AdminPrincipal basicUser(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(h.substring(6).strip().getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        AdminPrincipal cached = basicCache.get(digest);
        if (cached != null) {
            return cached;
        }
        String remote = remote(ex);
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        limit(ex, decoded.substring(0, colon), "login.basic", "/metrics");
        char[] password = decoded.substring(colon + 1).toCharArray();
        try {
            Optional<AdminPrincipal> user = authenticator.authenticate(decoded.substring(0, colon), password);
            if (user.isPresent()) {
                if (basicCache.size() > 100) {
                    basicCache.clear();
                }
                basicCache.put(digest, user.get());
                return user.get();
            }
            audit.unauthenticated(decoded.substring(0, colon), address(ex), "login.basic", "/metrics", "denied: wrong"
                    + " user name or password");
            return null;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** Takes a login attempt from the limiter's budgets, or answers 429 with the budget that refused it. */
    private void limit(HttpExchange ex, String username, String action, String target) {
        LoginLimiter.Refusal refused = limiter.tryAcquire(address(ex), username);
        if (refused != null) {
            audit.unauthenticated(username, address(ex), action, target, "denied: too many attempts "
                    + refused.scope());
            long seconds = Math.max(1, (refused.retryAfter().toMillis() + 999) / 1000);
            throw new ApiError(429, Json.error("too_many_requests", "too many login attempts " + refused.scope()
                    + "; try again in " + seconds + " s"), Long.toString(seconds));
        }
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private void staticFile(HttpExchange ex, String method, List<String> seg) throws IOException {
        String name = seg.isEmpty() ? "index.html" : seg.size() <= 2 ? String.join("/", seg) : "";
        String type = STATIC.get(name);
        if (type == null) {
            throw notFound(ex);
        }
        allow(method, "GET");
        byte[] bytes;
        try (InputStream in = AdminHandler.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new ApiError(404, "not_found", "missing resource " + name);
            }
            bytes = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        Deadline deadline = ExchangeExecutor.current();
        deadline.arm(writeTimeout, "writing the answer");
        try {
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        } finally {
            deadline.disarm();
        }
    }

    private static ApiError notFound(HttpExchange ex) {
        return new ApiError(404, "not_found", "no such resource: " + ex.getRequestURI().getRawPath());
    }

    private static void allow(String method, String... allowed) {
        if (!Arrays.asList(allowed).contains(method)) {
            throw new ApiError(405, "method_not_allowed", method + " (expected: " + String.join(", ", allowed) + ")");
        }
    }

    private static void exactly(List<String> api, int size) {
        if (api.size() != size) {
            throw new ApiError(404, "not_found", "no such resource: /api/" + String.join("/", api));
        }
    }

    /** Path segments, percent-decoded one by one so a label may contain '/' or spaces; '+' stays '+'. */
    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                try {
                    out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, "bad_request", "malformed path segment: " + s);
                }
            }
        }
        return out;
    }

    private static String remote(HttpExchange ex) {
        return Addresses.text(address(ex));
    }

    private static InetAddress address(HttpExchange ex) {
        return ex.getRemoteAddress().getAddress();
    }

    private byte[] body(HttpExchange ex, int max) throws IOException {
        Deadline deadline = ExchangeExecutor.current();
        deadline.arm(bodyTimeout, "reading the request body");
        try (InputStream in = ex.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                if (out.size() > max) {
                    throw new ApiError(413, "too_large", "request body over " + max + " bytes");
                }
            }
            return out.toByteArray();
        } finally {
            deadline.disarm();
        }
    }

    private JsonNode json(HttpExchange ex, int max) throws IOException {
        byte[] b = body(ex, max);
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "bad_json", "not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new ApiError(400, "bad_json", "expected a JSON object");
        }
        return n;
    }

    private void sendJson(HttpExchange ex, int status, JsonNode body) {
        send(ex, status, JSON, Json.write(body));
    }

    private void send(HttpExchange ex, int status, String type, String body) {
        Deadline deadline = ExchangeExecutor.current();
        deadline.arm(writeTimeout, "writing the answer");
        try {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                ex.getResponseBody().write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("admin client went away before the answer: {}", e.toString());
        } finally {
            deadline.disarm();
        }
    }
}
