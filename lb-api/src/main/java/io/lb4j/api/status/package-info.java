/** Immutable snapshots of a running balancer: services, real servers, states and connection counts. */
package io.lb4j.api.status;
