package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.PerPort;
import io.lb4j.healthcheck.net.ProbeConnector;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What every DICOM check does on each checked port: connect (over DICOM TLS when asked), run one
 * {@link DimseExchange} in a {@link DimseHandler}, and join the ports' verdicts. Shared by the C-ECHO and C-FIND
 * strategies so both speak the same PDUs and TLS.
 */
final class DicomConnection {

    private final CheckTransport transport;
    private final AtomicInteger messageIds = new AtomicInteger();

    DicomConnection(CheckTransport transport) {
        this.transport = transport;
    }

    CompletionStage<CheckResult> check(CheckTarget target, CheckContext context, String callingAeTitle,
                                       String calledAeTitle, Optional<DicomTls> tls,
                                       Supplier<DimseExchange> exchange) {
        SslContext ssl;
        try {
            ssl = tls.isPresent() ? sslContext(tls.get()) : null;
        } catch (Exception e) {
            // An unreadable or malformed PEM file: say which, as the attempt's reason.
            return CompletableFuture.completedFuture(CheckResult.failed("cannot set up DICOM TLS: "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())));
        }
        return PerPort.all(target.ports(), context.clock(), port -> {
            // Message IDs are 16-bit; any value works, distinct ones make peer logs easier to follow.
            DimseHandler handler = new DimseHandler(exchange.get(), callingAeTitle, calledAeTitle, ssl != null,
                    target.timeout(), 1 + (messageIds.getAndIncrement() & 0x7fff));
            return ProbeConnector.run(transport, context.clock(), new InetSocketAddress(target.address(), port),
                    target.timeout(), handler, ch -> {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new PduDecoder(DimseHandler.MAX_PDU_LENGTH)).addLast(handler);
                    });
        });
    }

    /**
     * Read at every attempt (see {@link DicomTls}): the chain is verified against the trust anchors; the host name is
     * not, because real servers are checked by address.
     */
    private static SslContext sslContext(DicomTls tls) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm(null);
        if (tls.trustedCertificates().isPresent()) {
            File trusted = readable(tls.trustedCertificates().get().toFile(), "tls.trustedCertificates");
            b.trustManager(trusted);
        }
        if (tls.clientCertificate().isPresent()) {
            b.keyManager(readable(tls.clientCertificate().get().toFile(), "tls.clientCertificate"),
                    readable(tls.clientKey().orElseThrow().toFile(), "tls.clientKey"));
        }
        return b.build();
    }

    private static File readable(File file, String field) {
        if (!file.canRead()) {
            throw new IllegalArgumentException(field + ": " + file + " cannot be read");
        }
        return file;
    }
}
