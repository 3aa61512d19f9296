/**
 * The appliance's logging on Logback: where the configuration comes from ({@link
 * io.lb4j.appliance.logging.EtcLogbackConfigurator}) and RFC 5424 syslog ({@link
 * io.lb4j.appliance.logging.Rfc5424SyslogAppender}). Libraries log through SLF4J only; the appliance alone ships a
 * back end.
 */
package io.lb4j.appliance.logging;
