/**
 * lb4j's clustered pair: {@link io.lb4j.ha.HaPair} (a balancer behind VRRPv3, wire-compatible with keepalived),
 * VIP ownership ({@code vip}), configuration replication ({@code replication}) and flow-state sync between packet
 * engines ({@code flowsync}). Wire codecs ({@code internal}, {@code vrrp.internal}) are not exported.
 *
 * <p>VRRP's raw sockets and the VIP's rtnetlink calls go through module {@code io.lb4j.linux}: grant it native
 * access with {@code --enable-native-access=io.lb4j.linux}.
 */
@SuppressWarnings("requires-automatic")
module io.lb4j.ha {
    // HaPair takes a LoadBalancer; PacketEngineVipOwner and FlowSync take a PacketEngine.
    requires transitive io.lb4j.api;
    requires transitive io.lb4j.engine;
    requires io.lb4j.linux;
    // Config replication's body: lb-config's services document.
    requires io.lb4j.config;
    // Reconnect backoff with jitter (IntervalFunction); an automatic module.
    requires io.github.resilience4j.core;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;

    exports io.lb4j.ha;
    exports io.lb4j.ha.flowsync;
    exports io.lb4j.ha.peer;
    exports io.lb4j.ha.replication;
    exports io.lb4j.ha.route;
    exports io.lb4j.ha.vip;
    exports io.lb4j.ha.vrrp;
    exports io.lb4j.ha.vrrp.event;
    exports io.lb4j.ha.vrrp.spi;
}
