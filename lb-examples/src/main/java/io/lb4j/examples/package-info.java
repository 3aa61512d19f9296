/**
 * The MergePACS demos: {@link io.lb4j.examples.MergePacsDemo} (the failover with real traffic on loopback, no root)
 * and {@link io.lb4j.examples.MergePacsPolicyDemo} (the appliance guide's policy in virtual time). Everything else
 * here is package-private demo plumbing: the stand-in PACS clusters and their protocols (HTTP, DICOM C-ECHO,
 * HL7/MLLP, line echo) and the demo clients. The appliance itself (runner, YAML file, command line, clustered node)
 * is the {@code io.lb4j.appliance} package of lb-appliance.
 */
package io.lb4j.examples;
