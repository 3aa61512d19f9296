/**
 * Health-check probes as values: what one attempt does ({@link io.lb4j.api.check.ConnectProbe},
 * {@link io.lb4j.api.check.HttpProbe}, {@link io.lb4j.api.check.DicomEchoProbe}, ...), which ports it probes, and
 * what it found ({@link io.lb4j.api.check.CheckResult}). The strategies that run them live in
 * {@code io.lb4j:lb-healthcheck}.
 */
package io.lb4j.api.check;
