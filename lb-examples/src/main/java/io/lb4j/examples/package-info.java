/**
 * The runnable side of lb4j: {@link io.lb4j.examples.Appliance} (the main class of {@code lb4j-appliance.jar}: a
 * balancer run from a YAML file, with SIGHUP reload and SIGTERM graceful stop), {@link io.lb4j.examples.MergePacsDemo}
 * (the MergePACS failover with real traffic on loopback, no root) and {@link io.lb4j.examples.MergePacsPolicyDemo}
 * (the same policy in virtual time). With {@code ha:} in the file the appliance runs as one node of a clustered pair
 * (lb-ha: VRRP, config replication, flow sync). Everything else here is package-private demo plumbing: the stand-in PACS
 * clusters and their protocols (HTTP, DICOM C-ECHO, HL7/MLLP, line echo), the demo clients, and status text.
 */
package io.lb4j.examples;
