/**
 * The active-active benchmark behind {@code benchmarks/active-active.sh}: throughput with 1, 2 and 3 appliance nodes
 * behind a BIRD router's ECMP route, and what a client sees when one node dies, in the namespace lab the cluster's
 * tests use.
 */
package io.lb4j.benchmarks.cluster;
