/**
 * Active-active balancers behind an ECMP router: {@link io.lb4j.ha.route.RouteAnnouncer} (the SPI through which a node
 * announces and withdraws its VIPs by an existing routing daemon; lb4j never speaks BGP itself), its BIRD 2
 * implementation {@link io.lb4j.ha.route.BirdRouteAnnouncer}, and {@link io.lb4j.ha.route.AnnouncingNode}, which keeps
 * the announcement true to whether the node can serve.
 */
package io.lb4j.ha.route;
