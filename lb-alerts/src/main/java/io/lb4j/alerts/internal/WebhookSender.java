package io.lb4j.alerts.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lb4j.alerts.Webhook;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** A JSON POST per notice with the JDK's HttpClient; any 2xx is a delivery. */
public final class WebhookSender implements Sender {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Webhook webhook;
    private final String host;
    private final HttpClient client;

    public WebhookSender(Webhook webhook, String host) {
        this.webhook = webhook;
        this.host = host;
        this.client = HttpClient.newBuilder().connectTimeout(webhook.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The JSON object of a notice. */
    public static Map<String, Object> json(Notice n, String host) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("at", n.alert().at().toString());
        o.put("kind", n.alert().kind().name());
        o.put("name", n.alert().name());
        o.put("state", n.alert().state());
        o.put("severity", n.alert().severity().name());
        o.put("message", AlertText.message(n));
        o.put("count", n.count());
        o.put("states", n.states());
        o.put("host", host);
        o.put("summary", n.subject(host));
        return o;
    }

    @Override
    public void send(Notice notice) throws IOException, InterruptedException {
        byte[] body = JSON.writeValueAsBytes(json(notice, host));
        HttpRequest request = HttpRequest.newBuilder(webhook.url()).timeout(webhook.timeout())
                .header("Content-Type", "application/json").header("User-Agent", "lb4j-alerts")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("HTTP " + response.statusCode() + " from " + webhook.target());
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
