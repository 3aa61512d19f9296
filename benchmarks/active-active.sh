#!/usr/bin/env bash
# Active-active (issue 18, "Benchmark"): aggregate throughput with 1, 2 and 3 lb4j nodes behind an ECMP router, and
# what a client sees when one of three dies, beside the HA pair's takeover measured in the same invocation.
#
#   benchmarks/active-active.sh                 # root; env: TRANSFERS=20 MIB=128 PAIR_ROUNDS=3 JAVA JAR APPLIANCE_JAR
#
# 1. The HA pair: benchmarks/ha-outage-vs-keepalived.sh with 100 ms adverts and SIGKILL (the fastest takeover it
#    measures), PAIR_ROUNDS runs: lb4j's median outage is the pair's figure.
# 2. The cluster: io.lb4j.benchmarks.cluster.ClusterBench (the lab of ActiveActiveClusterTest, built with
#    lb-test-support's NetnsLab and Bird: a BIRD router with ECMP, nodes a, b, c running the appliance jar with the
#    packet engine and their own BIRD with BFD 100 ms x 3, real servers r1 and r2, a client host with 40 addresses).
#    Throughput: TRANSFERS concurrent uploads and downloads of MIB MiB with 1, 2, 3 nodes announcing. Interruption,
#    under TRANSFERS downloads of 4 x MIB MiB and the pair's probe (a TCP connect every 10 ms): node c's JVM SIGKILLed
#    (its BIRD runs on: the lifeline withdraws), then node c's machine dying (link down, JVM and BIRD SIGKILLed: BFD);
#    the time from the death to the last failed connect, the failed connects, the probe's longest gap, and the longest
#    time an established download stood still.
# The ratio printed at the end: the machine's death (to the last failed connect) / the pair's median outage after a
# SIGKILL of the master (the pair's benchmark also takes the master's service down with it: a machine death).
#
# Needs: root, iproute2, bird2 and keepalived (apt-get installed when missing), a JDK 25, benchmarks.jar and the
# appliance jar (built with Maven when missing). The lab's namespaces are deleted on exit, also on failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TRANSFERS="${TRANSFERS:-20}"
MIB="${MIB:-128}"
PAIR_ROUNDS="${PAIR_ROUNDS:-3}"
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
JAR="${JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
APPLIANCE_JAR="${APPLIANCE_JAR:-$ROOT/lb-appliance/target/lb4j-appliance.jar}"

log() { echo "# $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

[[ $EUID == 0 ]] || die "needs root (network namespaces, raw sockets, addresses)"
export PATH=$PATH:/usr/sbin:/sbin
if ! command -v bird >/dev/null; then
  log "installing bird2 (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q install bird2 >/dev/null
  # The package starts its own daemon on /etc/bird/bird.conf: not ours to keep running.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then systemctl stop bird 2>/dev/null || true; fi
fi
[[ -x "$JAVA" ]] || die "no JDK at $JAVA: set JAVA=/path/to/jdk-25/bin/java"
if [[ ! -f "$JAR" || ! -f "$APPLIANCE_JAR" ]]; then
  log "building $JAR and $APPLIANCE_JAR"
  (cd "$ROOT" && mvn -q -B -pl benchmarks,lb-appliance -am package -DskipTests)
fi

start_load="$(cut -d' ' -f1 /proc/loadavg)"
log "load average at the start: $start_load"
PAIR_OUT="$(mktemp /tmp/lb4j-aa-pair.XXXXXX)"
CLUSTER_OUT="$(mktemp /tmp/lb4j-aa-cluster.XXXXXX)"
trap 'rm -f "$PAIR_OUT" "$CLUSTER_OUT"' EXIT
log "1/2: the HA pair (ha-outage-vs-keepalived.sh, 100 ms adverts, SIGKILL, $PAIR_ROUNDS rounds)"
ADVERTS=100 STOPS=sigkill ROUNDS="$PAIR_ROUNDS" JAVA="$JAVA" JAR="$JAR" "$HERE/ha-outage-vs-keepalived.sh" \
  | tee "$PAIR_OUT"
# The row "| 100 ms | SIGKILL | keepalived | lb4j | ratio |": lb4j's median in ms.
pair_ms="$(awk -F'|' '$2 ~ /100 ms/ && tolower($3) ~ /sigkill/ {
  v = $5; gsub(/,/, "", v); if (match(v, /[0-9.]+/)) print substr(v, RSTART, RLENGTH); exit }' "$PAIR_OUT")"
log "2/2: the cluster (ClusterBench: $TRANSFERS x $MIB MiB)"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR" io.lb4j.benchmarks.cluster.ClusterBench \
  "$APPLIANCE_JAR" "$TRANSFERS" "$MIB" | tee "$CLUSTER_OUT"
cluster_ms="$(sed -n 's/^PAIR_COMPARABLE cluster_interruption_ms=//p' "$CLUSTER_OUT")"
echo
echo "| interruption when a balancer dies (SIGKILL) | ms |"
echo "| --- | ---: |"
echo "| HA pair (lb4j, VRRP 100 ms adverts): every client, median of $PAIR_ROUNDS | ${pair_ms:-?} |"
echo "| cluster of 3 (BFD 100 ms x 3): the dead node's share of new connections, kill to last failure | ${cluster_ms:-?} |"
if [[ -n "$pair_ms" && -n "$cluster_ms" ]]; then
  awk -v c="$cluster_ms" -v p="$pair_ms" 'BEGIN { printf "cluster / pair: %.2f\n", c / p }'
fi
echo "load average: $start_load at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
