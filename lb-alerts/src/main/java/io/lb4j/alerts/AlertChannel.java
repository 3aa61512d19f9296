package io.lb4j.alerts;

/**
 * Where alerts go: {@link Email}, {@link Syslog}, {@link Webhook} or {@link NotifyScript}. Each is an immutable,
 * validated spec; {@link Alerts} holds any number of them, and {@link AlertDispatcher} delivers every alert to each,
 * retrying failed deliveries on its own.
 */
public sealed interface AlertChannel permits Email, Syslog, Webhook, NotifyScript {

    /** The channel's type as meters and status name it: {@code email}, {@code syslog}, {@code webhook}, {@code script}. */
    String type();

    /** Where it delivers, for status and logs: {@code smtp.example.org:587}, {@code udp://10.0.0.9:514}... */
    String target();
}
