/**
 * The admin plane of a running {@link io.lb4j.api.LoadBalancer}: a JSON REST API, the System Overview web page
 * (status, Halt / Drain / Online, live updates, failover timeline, the clustered pair's VRRP state) and Micrometer
 * meters, served over HTTPS by {@link io.lb4j.admin.AdminServer}.
 *
 * <p>Public surface: {@link io.lb4j.admin.AdminServer} and its builder, the two SPIs
 * {@link io.lb4j.admin.Authenticator} and {@link io.lb4j.admin.ConfigCodec}, and the values
 * {@link io.lb4j.admin.AdminUser}, {@link io.lb4j.admin.AdminRole}, {@link io.lb4j.admin.AdminPrincipal},
 * {@link io.lb4j.admin.PasswordHash}, {@link io.lb4j.admin.AuditEntry},
 * {@link io.lb4j.admin.PairStatus} and {@link io.lb4j.admin.InvalidConfigException}. Everything else in this package is package-private.
 */
package io.lb4j.admin;
