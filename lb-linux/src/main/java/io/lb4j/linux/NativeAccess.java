package io.lb4j.linux;

/**
 * Whether the code in this module may bind native functions, and the JVM flag that grants it for the way lb4j was
 * loaded: {@code --enable-native-access=io.lb4j.linux} when this is a named module (module path),
 * {@code --enable-native-access=ALL-UNNAMED} on the class path (or {@code Enable-Native-Access: ALL-UNNAMED} in an
 * executable jar's manifest). Asks without initialising {@link Libc}, whose initialiser binds native calls (without
 * native access the JDK warns then, or refuses with {@code --illegal-native-access=deny}).
 *
 * <p>A module in a layer an application builds itself gets native access from that layer's
 * {@link ModuleLayer.Controller#enableNativeAccess(Module)}, not from the command line.
 */
public final class NativeAccess {

    private static final Module MODULE = NativeAccess.class.getModule();

    private NativeAccess() {
    }

    /** Whether {@link Libc} may call native functions without the JDK warning or refusing. */
    public static boolean enabled() {
        return MODULE.isNativeAccessEnabled();
    }

    /** {@code --enable-native-access=io.lb4j.linux} on the module path, {@code ...=ALL-UNNAMED} on the class path. */
    public static String flag() {
        return "--enable-native-access=" + (MODULE.isNamed() ? MODULE.getName() : "ALL-UNNAMED");
    }

    /**
     * What to do when {@link #enabled()} is false, for an availability probe's message, e.g.
     * {@code "native access not enabled: start the JVM with --enable-native-access=io.lb4j.linux (module
     * io.lb4j.linux is on the module path)"}.
     */
    public static String howToEnable() {
        return "native access not enabled: start the JVM with " + flag() + (MODULE.isNamed()
                ? " (module " + MODULE.getName() + " is on the module path)"
                : " (lb4j is on the class path; an executable jar can say Enable-Native-Access: ALL-UNNAMED in its"
                + " manifest instead)");
    }
}
