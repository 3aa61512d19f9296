/**
 * Implementation of the HA module: the replication and flow-sync wire, frame deadlines, the peer's listening and
 * reconnecting ends, reconnect backoff, peer health tracking. Not API; may change.
 */
package io.lb4j.ha.internal;
