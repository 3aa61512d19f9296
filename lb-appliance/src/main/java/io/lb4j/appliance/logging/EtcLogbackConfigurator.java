package io.lb4j.appliance.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.spi.ContextAwareBase;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the installed appliance log as {@code /etc/lb4j/logback.xml} says, however it was started: Logback asks this
 * configurator (found through {@link java.util.ServiceLoader}) before its own. With {@code -Dlogback.configurationFile}
 * set, or without that file, it steps aside and Logback goes on as usual (the property's file, else the jar's
 * {@code logback.xml}: the console). Errors in the file are Logback's status messages on the console, as for any
 * Logback file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class EtcLogbackConfigurator extends ContextAwareBase implements Configurator {

    /** The file the Debian package installs. */
    public static final Path INSTALLED_FILE = Path.of("/etc/lb4j/logback.xml");

    /** Logback's own system property naming a configuration file; it wins over {@link #INSTALLED_FILE}. */
    static final String CONFIGURATION_FILE_PROPERTY = "logback.configurationFile";

    private final Path file;

    /** The configurator Logback's service loader creates, reading {@link #INSTALLED_FILE}. */
    public EtcLogbackConfigurator() {
        this(INSTALLED_FILE);
    }

    EtcLogbackConfigurator(Path file) {
        this.file = file;
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIGURATION_FILE_PROPERTY) != null || !Files.isRegularFile(file)) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        try {
            joran.doConfigure(file.toFile());
        } catch (JoranException e) {
            // Already a status message; the next configurator (the jar's console logback.xml) keeps logs visible.
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
