package io.lb4j.admin;

import io.lb4j.api.internal.Addresses;
import io.lb4j.config.SecretFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server's key and certificate: the user's own PKCS#12 file, or a self-signed one generated on first start
 * and kept in a directory so browsers and scripts can pin it across restarts.
 *
 * <p>A self-signed certificate is renewed (a new key, a new certificate, a WARN with the new fingerprint) when less
 * than {@link #RENEW_BEFORE} of it remains: at start, and at each {@link #renewIfExpiring()} that the server runs
 * daily. The running server presents the new one to the next connection at once: its SSL context reads the key
 * through a key manager whose delegate is swapped. A user's own certificate cannot be renewed here; the same check
 * warns about it.
 *
 * <p>Generation runs the JDK's own {@code keytool} rather than building X.509 by hand: the JDK exports no API
 * for writing certificates, and keytool is always beside the running JVM. The keystore's random password is passed
 * through the environment ({@code -storepass:env}) so it never shows in a process listing, and kept in a file
 * readable by the owner only, next to the store; a password file that others may read is refused
 * ({@link SecretFile}). Thread-safe.
 */
final class TlsMaterial {

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
    static final String STORE_FILE = "admin-tls.p12";
    static final String PASSWORD_FILE = "admin-tls.password";
    private static final String ALIAS = "lb4j-admin";
    /** A certificate with less than this left is renewed (self-signed) or warned about (the user's own). */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final int VALIDITY_DAYS = 825;
    /** The setting a self-signed directory's files are reported under. */
    private static final String SELF_SIGNED = "admin.tls.selfSignedDirectory";

    final SSLContext context;
    private final SwappableKeyManager keys;
    private final Clock clock;
    /** The self-signed directory, or null for the user's own key store. */
    private final Path directory;
    private final InetAddress bind;
    private volatile X509Certificate certificate;

    private TlsMaterial(Loaded loaded, Clock clock, Path directory, InetAddress bind) {
        this.keys = new SwappableKeyManager(loaded.keys());
        this.certificate = loaded.certificate();
        this.clock = clock;
        this.directory = directory;
        this.bind = bind;
        try {
            this.context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, null, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The user's own key and certificate; {@code password} is not kept. */
    static TlsMaterial fromKeyStore(Path pkcs12, char[] password, Clock clock) {
        TlsMaterial m = new TlsMaterial(load(pkcs12, password), clock, null, null);
        m.renewIfExpiring();
        return m;
    }

    /** Loads the kept self-signed certificate from {@code dir}, generating it when there is none or it expires soon. */
    static TlsMaterial selfSigned(Path dir, InetAddress bind, Clock clock) {
        Path store = dir.resolve(STORE_FILE);
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        if (!Files.exists(store) || !Files.exists(passwordFile)) {
            generate(dir, bind, clock);
        }
        TlsMaterial m = new TlsMaterial(loadSelfSigned(dir), clock, dir, bind);
        m.renewIfExpiring();
        return m;
    }

    /** The certificate presented now. */
    X509Certificate certificate() {
        return certificate;
    }

    /**
     * Renews a self-signed certificate that has less than {@link #RENEW_BEFORE} left, or warns about the user's own.
     *
     * @return whether the certificate was renewed
     */
    synchronized boolean renewIfExpiring() {
        Instant now = clock.instant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (!now.plus(RENEW_BEFORE).isAfter(notAfter)) {
            return false;
        }
        String state = now.isBefore(notAfter) ? "expires " + notAfter : "expired " + notAfter;
        if (directory == null) {
            LOG.warn("admin TLS certificate {} (subject {}): renew the key store and restart the admin server",
                    state, certificate.getSubjectX500Principal().getName());
            return false;
        }
        String old = fingerprint();
        generate(directory, bind, clock);
        Loaded renewed = loadSelfSigned(directory);
        keys.swap(renewed.keys());
        certificate = renewed.certificate();
        LOG.warn("admin TLS certificate in {} {}: renewed; clients that pinned SHA-256 {} must pin the new one,"
                + " SHA-256 {} (valid until {})", directory, state, old, fingerprint(),
                certificate.getNotAfter().toInstant());
        return true;
    }

    /** The certificate's SHA-256 fingerprint, as browsers show it, for pinning. */
    String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Loaded(X509ExtendedKeyManager keys, X509Certificate certificate) {
    }

    private static Loaded loadSelfSigned(Path dir) {
        char[] password = SecretFile.readPassword(SELF_SIGNED, dir.resolve(PASSWORD_FILE));
        try {
            return load(dir.resolve(STORE_FILE), password);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static Loaded load(Path pkcs12, char[] password) {
        try (InputStream in = Files.newInputStream(pkcs12)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            X509Certificate cert = null;
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    cert = c;
                    break;
                }
            }
            if (cert == null) {
                throw new IllegalArgumentException("keyStore: " + pkcs12 + " (expected: a PKCS#12 file with a private"
                        + " key and its certificate)");
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) {
                    return new Loaded(x, cert);
                }
            }
            throw new IllegalStateException("no X.509 key manager for " + pkcs12);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key store " + pkcs12 + " (wrong password, or not PKCS#12?)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use key store " + pkcs12 + ": " + e.getMessage(), e);
        }
    }

    private static synchronized void generate(Path dir, InetAddress bind, Clock clock) {
        try {
            Files.createDirectories(dir);
            trySetPermissions(dir, "rwx------");
            byte[] raw = new byte[24];
            new SecureRandom().nextBytes(raw);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

            Path tmp = Files.createTempFile(dir, "admin-tls", ".p12.tmp");
            Files.delete(tmp); // keytool refuses to write into an existing (empty) file
            List<String> san = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1"));
            // The bind address of either family, so that a client verifying https://[2001:db8::2]:9443/ finds it.
            if (!bind.isAnyLocalAddress() && !bind.getHostAddress().equals("127.0.0.1")) {
                san.add("ip:" + Addresses.text(bind));
            }
            // Valid from an hour before the server's now (its clock, which tests move), for clients whose clocks
            // lag a little; keytool takes the start relative to the system clock.
            long startSeconds = Duration.between(Instant.now(), clock.instant()).toSeconds() - 3600;
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            ProcessBuilder pb = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-validity", Integer.toString(VALIDITY_DAYS), "-startdate", String.format("%+dS", startSeconds),
                    "-dname", "CN=lb4j admin", "-ext", "SAN=" + String.join(",", san),
                    "-storetype", "PKCS12", "-keystore", tmp.toString(), "-storepass:env", "LB4J_STOREPASS")
                    .redirectErrorStream(true);
            pb.environment().put("LB4J_STOREPASS", password);
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IOException("keytool failed: " + output.strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while keytool ran", e);
            }
            trySetPermissions(tmp, "rw-------");
            Path pwTmp = Files.createTempFile(dir, "admin-tls", ".password.tmp");
            trySetPermissions(pwTmp, "rw-------");
            Files.writeString(pwTmp, password, StandardCharsets.US_ASCII);
            // Password first, then the store: a store that exists always has its password beside it.
            Files.move(pwTmp, dir.resolve(PASSWORD_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, dir.resolve(STORE_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            LOG.info("generated a self-signed admin TLS certificate in {} (subject alternative names {})", dir, san);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the admin TLS certificate in " + dir, e);
        }
    }

    private static void trySetPermissions(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system (Windows): the directory's ACLs apply instead.
        }
    }

    /**
     * Hands the SSL context the current key; a renewal swaps it under the running server. Both stores use one
     * alias, so a handshake that straddles the swap asks the new store for that alias; only one that reads the chain
     * before the swap and the key after it can fail, and its client simply connects again.
     */
    private static final class SwappableKeyManager extends X509ExtendedKeyManager {
        private volatile X509ExtendedKeyManager delegate;

        SwappableKeyManager(X509ExtendedKeyManager delegate) {
            this.delegate = delegate;
        }

        void swap(X509ExtendedKeyManager next) {
            delegate = next;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return delegate.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return delegate.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }
}
