/**
 * Helpers the lb4j modules share and users must not rely on: argument checks whose messages all have the shape
 * {@code "field: value (expected: what is allowed)"}, and IP literal parsing that never touches DNS. Not part of the
 * public API; public only so that other lb4j modules can use them.
 */
package io.lb4j.api.internal;
