package io.lb4j.healthcheck.support;

import io.lb4j.testsupport.process.Command;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

/** A TLS server context with a fresh self-signed certificate, made by the JDK's keytool, for HTTPS check tests. */
public final class SelfSignedServer {

    private SelfSignedServer() {
    }

    /**
     * A server SSL context whose certificate (CN=localhost) names {@code subjectAlternativeNames}, keytool's form,
     * e.g. {@code "dns:localhost,ip:127.0.0.1"} or {@code "ip:::1"}; its key store is written to {@code dir}.
     */
    public static SSLContext context(Path dir, String subjectAlternativeNames) throws Exception {
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Command.run(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=" + subjectAlternativeNames, "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
