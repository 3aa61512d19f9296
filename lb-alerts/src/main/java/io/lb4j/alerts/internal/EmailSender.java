package io.lb4j.alerts.internal;

import io.lb4j.alerts.Email;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Date;
import java.util.Properties;

/** One email per notice through Jakarta Mail's SMTP transport: STARTTLS required, host name checked, AUTH. */
public final class EmailSender implements Sender {

    private final Email email;
    private final String host;
    private final Session session;

    public EmailSender(Email email, String host) {
        this.email = email;
        this.host = host;
        String millis = Long.toString(email.timeout().toMillis());
        Properties p = new Properties();
        p.put("mail.smtp.host", email.host());
        p.put("mail.smtp.port", Integer.toString(email.port()));
        p.put("mail.smtp.connectiontimeout", millis);
        p.put("mail.smtp.timeout", millis);
        p.put("mail.smtp.writetimeout", millis);
        p.put("mail.smtp.from", email.from());
        if (email.startTls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
            p.put("mail.smtp.ssl.checkserveridentity", "true");
            p.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
            email.trustedCertificates().ifPresent(f -> p.put("mail.smtp.ssl.socketFactory",
                    trusting(f).getSocketFactory()));
        }
        p.put("mail.smtp.auth", Boolean.toString(email.username().isPresent()));
        this.session = Session.getInstance(p);
    }

    @Override
    public void send(Notice notice) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(email.from()));
        for (String to : email.to()) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
        }
        m.setSubject(notice.subject(host), "UTF-8");
        m.setSentDate(new Date()); // when it is sent; the alert's own time is in the body (At:)
        m.setHeader("X-Lb4j-Alert", notice.alert().kind() + " " + notice.alert().name() + " "
                + notice.alert().state());
        m.setText(AlertText.body(notice, host), "UTF-8");
        Transport t = session.getTransport("smtp");
        try (t) {
            if (email.username().isPresent()) {
                char[] password = email.password();
                try {
                    t.connect(email.host(), email.port(), email.username().get(), new String(password));
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
            } else {
                t.connect();
            }
            t.sendMessage(m, m.getAllRecipients());
        } catch (MessagingException e) {
            throw withServerReply(e, t);
        }
    }

    /** Angus leaves some messages empty (a refused AUTH): the server's own reply says what happened. */
    private static MessagingException withServerReply(MessagingException e, Transport t) {
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e;
        }
        String reply = t instanceof SMTPTransport smtp && smtp.getLastServerResponse() != null
                ? smtp.getLastServerResponse().strip() : "";
        return new MessagingException((e instanceof jakarta.mail.AuthenticationFailedException
                ? "the server refused the login" : "the server gave no reason") + (reply.isEmpty() ? "" : ": " + reply),
                e);
    }

    @Override
    public void close() {
        // a connection per message: nothing kept
    }

    /** TLS that trusts the certificates in a PEM file (a site's own CA) and nothing else. */
    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("trusted-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("email.trustedCertificates: " + pem + " (expected: a PEM file"
                        + " with at least one certificate)");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("email.trustedCertificates: " + pem + " (expected: a readable PEM file"
                    + " of certificates; " + e.getMessage() + ")", e);
        }
    }
}
