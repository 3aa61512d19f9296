package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * DICOM TLS for a DICOM probe (PS3.15 annex B, the secure transport connection profiles; port 2762 by convention):
 * the association runs inside TLS, and the PACS's certificate chain must lead to one of the trusted certificates,
 * or the attempt fails with the reason, e.g. {@code "TLS handshake failed: PKIX path building failed: ..."}.
 *
 * <p>The certificate is verified against the trust anchors, not against the real server's address: the balancer
 * checks each real server by IP address, and PACS certificates name the PACS, not each of its addresses. With no
 * {@link #trustedCertificates()} the JVM's default trust store is used. A PACS that requires a client certificate
 * (DCMTK's {@code --require-peer-cert}) gets {@link #clientCertificate()} with {@link #clientKey()}.
 *
 * <p>All files are PEM and are read at every attempt, so a renewed certificate is used from the next attempt on
 * without a reconfiguration; an unreadable file fails the attempt with its name. The key must be an unencrypted
 * PKCS#8 key ({@code -----BEGIN PRIVATE KEY-----}): a password would have to live somewhere readable anyway.
 * Immutable.
 *
 * @param trustedCertificates a PEM file of the certificates (CA or the PACS's own) to trust; empty for the JVM's
 * @param clientCertificate   a PEM file with the balancer's certificate chain; empty to present none
 * @param clientKey           the PEM file of its private key; present exactly when the certificate is
 */
public record DicomTls(Optional<Path> trustedCertificates, Optional<Path> clientCertificate,
                       Optional<Path> clientKey) {

    private static final DicomTls SYSTEM = new DicomTls(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * @throws IllegalArgumentException when only one of the client certificate and key is given, or a path is empty
     * @throws NullPointerException     naming a missing field
     */
    public DicomTls {
        Objects.requireNonNull(trustedCertificates, "tls.trustedCertificates");
        Objects.requireNonNull(clientCertificate, "tls.clientCertificate");
        Objects.requireNonNull(clientKey, "tls.clientKey");
        notEmpty("tls.trustedCertificates", trustedCertificates);
        notEmpty("tls.clientCertificate", clientCertificate);
        notEmpty("tls.clientKey", clientKey);
        if (clientCertificate.isPresent() != clientKey.isPresent()) {
            throw clientCertificate.isPresent()
                    ? Checks.invalid("tls.clientKey", "none", "the private key of tls.clientCertificate")
                    : Checks.invalid("tls.clientCertificate", "none", "the certificate of tls.clientKey");
        }
    }

    /** TLS verified against the JVM's default trust store, no client certificate. */
    public static DicomTls systemTrust() {
        return SYSTEM;
    }

    /** TLS verified against the certificates in {@code pemFile} only, no client certificate. */
    public static DicomTls trusting(Path pemFile) {
        return new DicomTls(Optional.of(pemFile), Optional.empty(), Optional.empty());
    }

    /** This TLS presenting {@code certificatePem} (with its key {@code keyPem}) when the PACS asks for one. */
    public DicomTls withClientCertificate(Path certificatePem, Path keyPem) {
        return new DicomTls(trustedCertificates, Optional.of(certificatePem), Optional.of(keyPem));
    }

    private static void notEmpty(String field, Optional<Path> path) {
        if (path.isPresent() && path.get().toString().isEmpty()) {
            throw Checks.invalid(field, "\"\"", "a path to a PEM file");
        }
    }
}
