/**
 * Linux system calls through the Foreign Function &amp; Memory API (AF_PACKET rings, raw IP sockets, rtnetlink,
 * ioctl, a bare connect socket, the stream sockets of the proxy engine's io_uring relay), shared by the engines, the
 * HA pair and the connect health check. Not an API for embedders: exported only to those three modules.
 *
 * <p>Binding native functions is restricted: on the module path start the JVM with
 * {@code --enable-native-access=io.lb4j.linux} (on the class path {@code --enable-native-access=ALL-UNNAMED}, or
 * {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest).
 */
// The qualified exports name modules that are built after this one: javac cannot see them yet ("module not found").
@SuppressWarnings("module")
module io.lb4j.linux {
    exports io.lb4j.linux to io.lb4j.engine, io.lb4j.ha, io.lb4j.healthcheck;
}
