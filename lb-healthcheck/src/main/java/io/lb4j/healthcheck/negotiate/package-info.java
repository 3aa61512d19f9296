/**
 * The negotiate health check: send the probe's bytes, then search the first 64 KiB of the answer for its pattern.
 * It passes on the first match; a close or silence without one fails with a preview of what was received.
 */
package io.lb4j.healthcheck.negotiate;
