#!/usr/bin/env bash
# lb4j connect() health checks vs HAProxy, on loopback, in one invocation (issue 4, "Benchmark").
#
#   benchmarks/healthcheck-vs-haproxy.sh
#
# 1. one Java process opens max(TARGETS) listeners (127.77.x.y : 30000-30099) that accept and close (neither checker
#    gives them anything to accept: lb4j's and HAProxy's connect checks both reset before the handshake's last ACK);
# 2. lb4j: for each N in TARGETS, a fresh JVM runs N HealthMonitors with HealthCheck.connect() every 1 s, first
#    attempts spread over the interval, all on ONE CheckTransport loop thread whose clock is that loop (what a balancer
#    given no clock does; LB4J_CLOCK=system puts the timer on a TaskClock.system() thread of its own instead);
#    after WARMUP_S it measures WINDOW_S: checks/s, process CPU, lateness of attempt starts (p50/p99);
# 3. HAProxy (nbthread 1): 1,000 servers "check inter 1000ms", then 1,000 servers "check inter 100ms"
#    (= 10,000 checks/s); CPU from /proc/<pid>/stat, checks/s from the listeners' accept count;
# 4. prints the table and lb4j CPU / HAProxy CPU per check (and as shares of a core) at equal nominal checks/s.
#
# Environment: JAR (benchmarks.jar to run, e.g. a saved baseline), LB4J_CLOCK (loop | system), TARGETS ("1000 10000"), WARMUP_S (5), WINDOW_S (30), JAVA, LB4J_JVM_OPTS, LB4J_EXTRA_OPTS (e.g. JFR),
# HAPROXY_RUNS ("1000:1000 1000:100" = servers:interval_ms), KEEP_OUT=1 keeps the work directory.
# Needs root only to apt-get install haproxy when it is missing and to raise the fd limit. Loopback only.
# On a machine shared with other sessions, each session's autogroup gets an even share of the cores and neither checker
# reaches 10,000 checks/s; run it as `setsid sh -c 'echo -10 > /proc/self/autogroup; exec benchmarks/...'` (root), which
# gives both checkers the same larger share, and quote the load average with the figures.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
TARGETS="${TARGETS-1000 10000}"
WARMUP_S="${WARMUP_S:-5}"
WINDOW_S="${WINDOW_S:-30}"
HAPROXY_RUNS="${HAPROXY_RUNS-1000:1000 1000:100}"
LB4J_JVM_OPTS="${LB4J_JVM_OPTS:--Xms256m -Xmx256m -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED}"
LB4J_EXTRA_OPTS="${LB4J_EXTRA_OPTS:-}"
CONTROL_PORT="${CONTROL_PORT:-29999}"
JAR="${JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
MAIN=io.lb4j.benchmarks.healthcheck.HealthCheckBench
OUT="$(mktemp -d /tmp/lb4j-hc-bench.XXXXXX)"

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [[ "${KEEP_OUT:-0}" != 1 ]]; then rm -rf "$OUT"; else echo "results kept in $OUT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fds: 10,000 listeners in one process, 10,000 checks/s in flight briefly in another.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if ! command -v haproxy >/dev/null; then
  echo "== installing haproxy (Debian package)"
  # Wait for another apt/dpkg to finish rather than failing on its lock.
  apt_get() { apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
  (apt_get install haproxy >/dev/null 2>&1 || { apt_get update >/dev/null && apt_get install haproxy >/dev/null; }) || true
  # Without systemd the package's init script starts a daemon on /etc/haproxy/haproxy.cfg: we started it, we stop it.
  if [[ -s /run/haproxy.pid ]]; then
    for p in $(cat /run/haproxy.pid); do
      if [[ "$(cat /proc/"$p"/comm 2>/dev/null)" == haproxy ]]; then kill "$p" 2>/dev/null || true; fi
    done
  fi
  command -v haproxy >/dev/null || { echo "haproxy could not be installed" >&2; exit 1; }
fi

if [[ ! -f "$JAR" ]]; then
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
fi

# Everything below runs in a network namespace of its own: no port clashes with other work on the machine, and the
# namespace's TCP counters count exactly the connects of the checker under test. The namespace goes when we exit.
if [[ -z "${LB4J_BENCH_NETNS:-}" ]]; then
  if [[ $EUID == 0 ]] && command -v unshare >/dev/null; then
    trap - EXIT
    rm -rf "$OUT"
    exec unshare --net env LB4J_BENCH_NETNS=1 "$0" "$@"
  fi
  echo "not root or no unshare: HAProxy's checks/s cannot be counted without a private network namespace" >&2
  exit 1
fi
ip link set lo up

max=0
for n in $TARGETS; do (( n > max )) && max=$n; done
for r in $HAPROXY_RUNS; do (( ${r%%:*} > max )) && max=${r%%:*}; done

echo "== $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(haproxy -v | head -1); $("$JAVA" -version 2>&1 | head -1)"
echo "== starting $max loopback listeners"
"$JAVA" -Xmx256m -XX:+UseSerialGC -cp "$JAR" "$MAIN" listen --targets "$max" --control-port "$CONTROL_PORT" \
  --parent-pid $$ > "$OUT/listeners.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do
  grep -q READY "$OUT/listeners.log" 2>/dev/null && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$OUT/listeners.log"; exit 1; }
  sleep 0.1
done
grep READY "$OUT/listeners.log"

results=()
for n in $TARGETS; do
  echo "== lb4j: $n targets @ 1000ms (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # shellcheck disable=SC2086
  "$JAVA" $LB4J_JVM_OPTS $LB4J_EXTRA_OPTS -cp "$JAR" "$MAIN" lb4j --targets "$n" --interval-ms 1000 \
    --warmup-s "$WARMUP_S" --window-s "$WINDOW_S" --control-port "$CONTROL_PORT" \
    --clk-tck "$(getconf CLK_TCK)" ${LB4J_CLOCK:+--clock "$LB4J_CLOCK"} --out "$OUT/lb4j-$n.properties" \
    > "$OUT/lb4j-$n.log" 2>&1 &
  PIDS+=($!)
  wait "${PIDS[-1]}" || { cat "$OUT/lb4j-$n.log"; exit 1; }
  results+=("$OUT/lb4j-$n.properties")
  echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done

for r in $HAPROXY_RUNS; do
  n=${r%%:*}; inter=${r##*:}
  cfg="$OUT/haproxy-$n-$inter.cfg"
  "$JAVA" -cp "$JAR" "$MAIN" haproxy-config --targets "$n" --interval-ms "$inter" > "$cfg"
  haproxy -c -q -f "$cfg"
  echo "== haproxy: $n servers @ ${inter}ms, nbthread 1 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  haproxy -db -f "$cfg" > "$OUT/haproxy-$n-$inter.log" 2>&1 &
  hp=$!
  PIDS+=($hp)
  "$JAVA" -Xmx64m -XX:+UseSerialGC -cp "$JAR" "$MAIN" peer --pid "$hp" --system haproxy --targets "$n" \
    --interval-ms "$inter" --warmup-s "$WARMUP_S" --window-s "$WINDOW_S" --control-port "$CONTROL_PORT" \
    --clk-tck "$(getconf CLK_TCK)" --out "$OUT/haproxy-$n-$inter.properties" > "$OUT/peer-$n-$inter.log" 2>&1 \
    || { cat "$OUT/peer-$n-$inter.log" "$OUT/haproxy-$n-$inter.log"; exit 1; }
  kill "$hp" 2>/dev/null || true
  wait "$hp" 2>/dev/null || true
  results+=("$OUT/haproxy-$n-$inter.properties")
  echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "== results (window ${WINDOW_S}s after ${WARMUP_S}s warm-up; CPU = whole process, all threads)"
"$JAVA" -cp "$JAR" "$MAIN" table "${results[@]}"
for f in "${results[@]}"; do
  if grep -q '^system=lb4j' "$f"; then
    echo "   $(basename "$f" .properties): lateness p99.9 $(grep ^latenessP999Ms= "$f" | cut -d= -f2) ms," \
      "max $(grep ^latenessMaxMs= "$f" | cut -d= -f2) ms; attempt p50/p99 $(grep ^attemptP50Ms= "$f" | cut -d= -f2)/$(grep ^attemptP99Ms= "$f" | cut -d= -f2) ms;" \
      "first failure: $(grep ^firstFailure= "$f" | cut -d= -f2-)"
    echo "     top threads (%core): $(grep ^cpuTopThreads= "$f" | cut -d= -f2-)"
  fi
done
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
