package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server's key and certificate: the user's own PKCS#12 file, or a self-signed one generated on first start
 * and kept in a directory so browsers and scripts can pin it across restarts.
 *
 * <p>Generation runs the JDK's own {@code keytool} rather than building X.509 by hand: the JDK exports no API
 * for writing certificates, and keytool is always beside the running JVM. The keystore's random password is passed
 * through the environment ({@code -storepass:env}) so it never shows in a process listing, and kept in a file
 * readable by the owner only, next to the store.
 */
final class TlsMaterial {

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
    static final String STORE_FILE = "admin-tls.p12";
    static final String PASSWORD_FILE = "admin-tls.password";
    private static final String ALIAS = "lb4j-admin";

    final SSLContext context;
    final X509Certificate certificate;

    private TlsMaterial(SSLContext context, X509Certificate certificate) {
        this.context = context;
        this.certificate = certificate;
    }

    static TlsMaterial fromKeyStore(Path pkcs12, char[] password) {
        try (InputStream in = Files.newInputStream(pkcs12)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            X509Certificate cert = null;
            for (String alias : java.util.Collections.list(ks.aliases())) {
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
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return new TlsMaterial(ctx, cert);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key store " + pkcs12 + " (wrong password, or not PKCS#12?)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use key store " + pkcs12 + ": " + e.getMessage(), e);
        }
    }

    /** Loads the kept self-signed certificate from {@code dir}, generating it first when there is none. */
    static TlsMaterial selfSigned(Path dir, InetAddress bind) {
        Path store = dir.resolve(STORE_FILE);
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        try {
            if (!Files.exists(store) || !Files.exists(passwordFile)) {
                generate(dir, store, passwordFile, bind);
            }
            char[] password = Files.readString(passwordFile, StandardCharsets.US_ASCII).strip().toCharArray();
            TlsMaterial m = fromKeyStore(store, password);
            java.util.Arrays.fill(password, '\0');
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create or read the admin TLS certificate in " + dir, e);
        }
    }

    private static synchronized void generate(Path dir, Path store, Path passwordFile, InetAddress bind)
            throws IOException {
        Files.createDirectories(dir);
        trySetPermissions(dir, "rwx------");
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

        Path tmp = Files.createTempFile(dir, "admin-tls", ".p12.tmp");
        Files.delete(tmp); // keytool refuses to write into an existing (empty) file
        List<String> san = new ArrayList<>(List.of("dns:localhost", "ip:127.0.0.1"));
        if (bind instanceof Inet4Address && !bind.isAnyLocalAddress() && !bind.getHostAddress().equals("127.0.0.1")) {
            san.add("ip:" + bind.getHostAddress());
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        ProcessBuilder pb = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "825",
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
        Files.move(pwTmp, passwordFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("generated a self-signed admin TLS certificate in {} (subject alternative names {})", dir, san);
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

    private static void trySetPermissions(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system (Windows): the directory's ACLs apply instead.
        }
    }
}
