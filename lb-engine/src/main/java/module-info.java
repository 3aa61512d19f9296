/**
 * lb4j's control plane and forwarding engines: {@link io.lb4j.engine.proxy.ProxyEngine} (Netty and io_uring, no
 * privileges) and {@link io.lb4j.engine.packet.PacketEngine} (Layer-4 direct routing and NAT over AF_PACKET, through
 * the FFM API).
 * The control plane behind {@code LoadBalancer.builder()} is a service: having this module on the module path is all
 * it takes.
 *
 * <p>The packet engine calls Linux through module {@code io.lb4j.linux}; grant it native access with
 * {@code --enable-native-access=io.lb4j.linux} ({@code PacketEngine.unavailabilityCause()} names the flag when it is
 * missing). The proxy engine does too when it relays TCP on bare io_uring requests; without native access it runs
 * on Netty's channels. The hooks a clustered pair drives ({@code io.lb4j.engine.packet.ha}) are exported to {@code io.lb4j.ha}
 * only.
 */
// The qualified export names a module that is built after this one: javac cannot see it yet ("module not found").
@SuppressWarnings("module")
module io.lb4j.engine {
    // PacketEngine and ProxyEngine are ForwardingEngines: io.lb4j.api types are part of this module's API.
    requires transitive io.lb4j.api;
    requires io.lb4j.healthcheck;
    requires io.lb4j.linux;
    requires org.slf4j;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.codec.haproxy;
    // jdk.net.ExtendedSocketOptions: the TCP keepalive timers on the NIO transport.
    requires jdk.net;
    requires io.netty.transport.classes.io_uring;
    // io.netty.channel.unix.Socket: the proxy half-closes a native socket without Netty's exception per call.
    requires io.netty.transport.unix.common;
    // The io.lb4j.FailedOver and io.lb4j.FailedBack flight-recorder events.
    requires jdk.jfr;

    exports io.lb4j.engine.packet;
    exports io.lb4j.engine.proxy;
    exports io.lb4j.engine.packet.ha to io.lb4j.ha;

    provides io.lb4j.api.spi.LoadBalancerProvider with io.lb4j.engine.director.DirectorProvider;
}
