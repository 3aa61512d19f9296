package io.lb4j.healthcheck.http;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.PerPort;
import io.lb4j.healthcheck.net.ProbeConnector;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs {@link HttpProbe}: on each checked port one request with {@code Connection: close}; passes when the status
 * is expected and, if a body pattern is set, the body's first 64 KiB contain a match. A wrong status, a body
 * without a match, a TLS failure or a malformed reply fail with a reason that says which, e.g.
 * {@code "port 80: status 503 (expected: [200])"}.
 *
 * <p>TLS uses Netty's {@link SslContext}: the JVM's trust store and host-name verification against the Host
 * header's host (or the real server's address); {@code insecure} probes trust any certificate and skip the name
 * check. Non-blocking; thread-safe; found by {@link java.util.ServiceLoader}.
 */
public final class HttpStrategy implements HealthCheckStrategy {

    private final CheckTransport transport;
    // Built once: creating an SSL context loads the trust store, far too slow per attempt.
    private volatile SslContext verifying;
    private volatile SslContext trustingAll;

    /** On the JVM-wide check event loop. */
    public HttpStrategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public HttpStrategy(CheckTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof HttpProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        HttpProbe http = (HttpProbe) probe;
        SslContext ssl;
        try {
            ssl = http.tls() ? sslContext(http.insecure()) : null;
        } catch (SSLException | RuntimeException e) {
            return CompletableFuture.completedFuture(CheckResult.failed("cannot set up TLS: " + e.getMessage()));
        }
        return PerPort.all(target.ports(), context.clock(), port -> {
            String hostHeader = http.host().orElseGet(() -> hostHeader(target.address(), port, http.tls()));
            String serverName = serverName(hostHeader);
            ResponseHandler handler = new ResponseHandler(http, target.timeout(), hostHeader);
            return ProbeConnector.run(transport, context.clock(), new InetSocketAddress(target.address(), port),
                    target.timeout(), handler, ch -> {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), serverName, port));
                        }
                        ch.pipeline().addLast(new HttpClientCodec()).addLast(handler);
                    });
        });
    }

    private SslContext sslContext(boolean insecure) throws SSLException {
        SslContext c = insecure ? trustingAll : verifying;
        if (c == null) {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (insecure) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                b.endpointIdentificationAlgorithm("HTTPS");
            }
            c = b.build();
            if (insecure) {
                trustingAll = c;
            } else {
                verifying = c;
            }
        }
        return c;
    }

    private static String hostHeader(InetAddress address, int port, boolean tls) {
        String hostPort = Addresses.hostPort(address, port);
        return port == (tls ? 443 : 80) ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
    }

    /** The host part of a Host header, for SNI and certificate name checks. */
    private static String serverName(String hostHeader) {
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end > 0 ? hostHeader.substring(1, end) : hostHeader;
        }
        int colon = hostHeader.lastIndexOf(':');
        return colon > 0 && hostHeader.indexOf(':') == colon ? hostHeader.substring(0, colon) : hostHeader;
    }
}
