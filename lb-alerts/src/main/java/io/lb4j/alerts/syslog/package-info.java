/**
 * The one RFC 5424 syslog codec: lb-alerts' syslog channel and the appliance's Logback appender. Exported to the
 * appliance only.
 */
package io.lb4j.alerts.syslog;
