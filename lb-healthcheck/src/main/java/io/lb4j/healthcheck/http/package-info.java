/**
 * The {@code http()} and {@code https()} health checks: one request per port, healthy when the status is expected
 * and, if a pattern is set, the body's first 64 KiB match it. TLS verifies the certificate and host name unless the
 * probe is {@code insecure}; every failure (status, body, TLS, malformed reply) is a reason, not an exception.
 */
package io.lb4j.healthcheck.http;
