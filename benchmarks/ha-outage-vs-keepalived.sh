#!/usr/bin/env bash
# The client-visible outage of a VRRP failover, lb4j against keepalived, in one invocation (issue 6, "Benchmark").
#
#   benchmarks/ha-outage-vs-keepalived.sh [-n ROUNDS]      # root; env: ROUNDS=3 ADVERTS="1000 100"
#                                                          #   STOPS="sigkill graceful" JAVA JAR PORT=8080
#                                                          #   PROBE_TIMEOUT_MS=100 LB4J_JVM_OPTS KEEP_OUT=1
#                                                          #   CAPTURE=1 (0: no tcpdump)
#
# Lab: network namespaces lb4jbo-XXXX-{br,a,b,c}: a bridge in a namespace of its own, nodes A (10.78.0.1) and B
# (10.78.0.2), client C (10.78.0.10), each eth0 a veth created directly inside the namespaces (no lab traffic and
# no lab interface in the root namespace). VIP 10.78.0.100/32, VRID 78.
# The service: lb-test-support's io.lb4j.testsupport.net.TestServerMain on every address, PORT, in A and in B (the
# kernel completes the probe's handshake, which then resets it), the same for both systems, so only the VRRP
# implementation differs.
# The pair, per run: A priority 150, B priority 100, same advert interval, preempt on, VRRPv3:
#   keepalived: two keepalived 2.x daemons (vrrp_version 3, state BACKUP, VIP /32 on eth0);
#   lb4j:       two io.lb4j.benchmarks.ha.Lb4jHaNode JVMs (public lb-ha API, InterfaceVipOwner on eth0).
# The probe: io.lb4j.benchmarks.ha.OutageProbe in C starts a TCP connect to VIP:PORT every 10 ms (timeout
# PROBE_TIMEOUT_MS, concurrent attempts); the outage is the longest gap between the start instants of consecutive
# successful connects around the stop (resolution 10 ms: no outage reads as ~10 ms).
# Per run: start A and B, wait until A holds the VIP (and B does not) and the probe succeeds, wait two advert
# intervals plus a phase offset, stop A, wait until B holds the VIP and the probe has succeeded 30 times in a row,
# record the gap, stop everything.
#   sigkill:  SIGKILL of A's VRRP daemon (keepalived: parent frozen first, then parent and VRRP child, so no child
#             can leave gracefully) together with A's service listener: the master machine dies. A's VIP stays on
#             its interface (A answers RST), B takes over after Master_Down_Interval and sends gratuitous ARP.
#             Killing the listener too is what makes this an outage: a dead VRRP daemon alone leaves a working VIP.
#   graceful: SIGTERM to A's VRRP daemon only (keepalived and Lb4jHaNode both send priority 0 and release the VIP;
#             B takes over after Skew_Time).
# SIGKILL outages depend on where in its advert interval the master died (between Master_Down_Interval - interval
# and Master_Down_Interval after the kill): repetition r of N stops A (r - 0.5) / N of an interval (plus a few ms
# of signalling) after one of A's adverts as the client's capture shows it, the same phase for both systems, so
# the medians compare like with like (without tcpdump the phase is relative to nothing and the SIGKILL rows are
# noisier). The per-run lines print the phase actually hit.
# With tcpdump (CAPTURE=1, the default when installed) the client also captures VRRP and ARP, and each run's line
# says where the outage went, on the wire: takeover (A's last advert - or its priority-0 advert - to B's first
# advert; RFC: Master_Down_Interval or Skew_Time), B's first advert to its first gratuitous ARP, that GARP to the
# probe's first successful connect.
# Runs interleave the systems (keepalived, lb4j, lb4j, keepalived, ...) so background load hits both alike.
#
# Needs: root, iproute2, keepalived (apt-get installed when missing), a JDK 25 (JAVA=..., default
# /usr/lib/jvm/temurin-25-jdk-amd64/bin/java), benchmarks/target/benchmarks.jar (built with Maven when missing).
# Everything it started is killed and every namespace deleted on exit, also on failure or Ctrl-C (trap).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=lib/processes.sh
source "$HERE/lib/processes.sh"
ROUNDS="${ROUNDS:-3}"
ADVERTS="${ADVERTS:-1000 100}"
STOPS="${STOPS:-sigkill graceful}"
PORT="${PORT:-8080}"
PROBE_TIMEOUT_MS="${PROBE_TIMEOUT_MS:-100}"
CAPTURE="${CAPTURE:-$(command -v tcpdump >/dev/null && echo 1 || echo 0)}"
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
JAR="${JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
# Small, quick-starting JVMs (as lb-ha's namespace tests run their nodes): C1 only, serial GC, 64 MiB.
SMALL_JVM="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m"
LB4J_JVM_OPTS="${LB4J_JVM_OPTS:-$SMALL_JVM --enable-native-access=ALL-UNNAMED}"
PRIO_A=150
PRIO_B=100
VRID=78
SUBNET=10.78.0
VIP=$SUBNET.100

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n|--rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer: $ROUNDS" >&2; exit 2; }

log() { echo "# $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------------ prerequisites
[[ $EUID == 0 ]] || die "needs root (network namespaces, raw sockets, addresses)"
export PATH=$PATH:/usr/sbin:/sbin
command -v ip >/dev/null || die "iproute2 'ip' not found (apt-get install -y iproute2)"
if ! command -v keepalived >/dev/null; then
  log "installing keepalived (Debian package)"
  apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
  (apt_get install keepalived >/dev/null 2>&1 \
    || { apt_get update >/dev/null && apt_get install keepalived >/dev/null; }) || true
  command -v keepalived >/dev/null || die "keepalived could not be installed"
  # A fresh install may start the packaged service (on /etc/keepalived/keepalived.conf): not ours to keep running.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl stop keepalived 2>/dev/null || true
  fi
fi
[[ -x "$JAVA" ]] || die "no JDK at $JAVA: set JAVA=/path/to/jdk-25/bin/java"
if [[ ! -f "$JAR" ]]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
fi

# ------------------------------------------------------------------------------------------------ cleanup
PREFIX="lb4jbo-$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
WORK="$(mktemp -d /tmp/lb4j-ha-bench.XXXXXX)"
NAMESPACES=()
PIDS=()
PROBE_IN=""
A_VRRP_CHILD=""
cleanup() {
  local rc=$? p ns
  set +e
  trap - EXIT INT TERM
  # bash reports each job it reaps after a SIGKILL ("Killed ..."): expected here, so keep it off the output.
  exec 3>&2 2>/dev/null
  [[ -n "$PROBE_IN" ]] && exec {PROBE_IN}>&-
  for p in "${PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null
  done
  # Anything else still running in our namespaces (keepalived's VRRP children) is ours too: kill it by pid.
  for ns in "${NAMESPACES[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$p" 2>/dev/null
    done
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null
  done
  for ((i = ${#NAMESPACES[@]} - 1; i >= 0; i--)); do
    ip netns del "${NAMESPACES[i]}" 2>/dev/null
  done
  if [[ "${KEEP_OUT:-0}" == 1 ]]; then echo "# logs kept in $WORK" >&3; else rm -rf "$WORK"; fi
  local left
  left="$(ip netns list | grep "^$PREFIX-" || true)"
  if [[ -n "$left" ]]; then
    echo "error: network namespaces left behind: $left" >&3
    rc=1
  fi
  local others
  others="$(ip netns list | grep 'lb4jbo-' || true)"
  [[ -n "$others" && -z "$left" ]] && echo "# note: lb4jbo- namespaces of another run exist: $others" >&3
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------------ lab
ns() { echo "$PREFIX-$1"; }
add_ns() { ip netns add "$(ns "$1")"; NAMESPACES+=("$(ns "$1")"); }

add_ns br
ip -n "$(ns br)" link add br0 type bridge
ip -n "$(ns br)" link set br0 up
for host in a:1 b:2 c:10; do
  h=${host%%:*}
  add_ns "$h"
  # Created directly inside the namespaces: the root namespace never holds either end.
  ip link add eth0 netns "$(ns "$h")" type veth peer name "p-$h" netns "$(ns br)"
  ip -n "$(ns br)" link set "p-$h" master br0
  ip -n "$(ns br)" link set "p-$h" up
  ip -n "$(ns "$h")" link set lo up
  ip -n "$(ns "$h")" addr add "$SUBNET.${host#*:}/24" dev eth0
  ip -n "$(ns "$h")" link set eth0 up
done

now_us() { echo $(( $(date +%s%N) / 1000 )); }
# sleep_until_us EPOCH_MICROS
sleep_until_us() {
  local d=$(( $1 - $(now_us) ))
  (( d <= 0 )) || sleep "$(printf '%d.%06d' $(( d / 1000000 )) $(( d % 1000000 )))"
}
vip_on() { ip -n "$(ns "$1")" -4 -o addr show dev eth0 | grep -q " $VIP/"; }
a_master_b_not() { vip_on a && ! vip_on b; }

declare -A LISTENER
start_listener() {
  local h=$1 out="$WORK/listener-$1.log"
  : >"$out"
  ip netns exec "$(ns "$h")" "$JAVA" $SMALL_JVM -cp "$JAR" io.lb4j.testsupport.net.TestServerMain service "$PORT" \
    >"$out" 2>&1 </dev/null &
  LISTENER[$h]=$!
  PIDS+=($!)
  wait_until 30 "service listener in $h" grep -q '^READY' "$out" || { cat "$out" >&2; exit 1; }
}

declare -A NODE
# start_node SYSTEM HOST PRIORITY ADVERT_MS LOG
start_node() {
  local sys=$1 h=$2 prio=$3 advert=$4 out=$5
  if [[ $sys == keepalived ]]; then
    local conf="$WORK/keepalived-$h.conf"
    cat >"$conf" <<EOF
global_defs {
  router_id ${PREFIX//-/_}_$h
  vrrp_version 3
  enable_script_security
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id $VRID
  priority $prio
  advert_int $(awk -v ms="$advert" 'BEGIN { printf "%.2f", ms / 1000 }')
  virtual_ipaddress {
    $VIP/32
  }
}
EOF
    rm -f "$WORK/keepalived-$h.pid" "$WORK/vrrp-$h.pid"
    # ip netns exec execs keepalived: $! is keepalived's parent process (VRRP only, foreground, console log).
    ip netns exec "$(ns "$h")" keepalived --dont-fork --log-console --log-detail --vrrp --use-file="$conf" \
      --pid="$WORK/keepalived-$h.pid" --vrrp_pid="$WORK/vrrp-$h.pid" >"$out" 2>&1 </dev/null &
  else
    # ip netns exec execs java: $! is the JVM, so SIGTERM reaches its shutdown hook and SIGKILL kills it.
    ip netns exec "$(ns "$h")" "$JAVA" $LB4J_JVM_OPTS -Dorg.slf4j.simpleLogger.showDateTime=true \
      -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
      -cp "$JAR" io.lb4j.benchmarks.ha.Lb4jHaNode eth0 "$VRID" "$prio" "$advert" "$VIP" >"$out" 2>&1 </dev/null &
  fi
  NODE[$h]=$!
  PIDS+=($!)
}

# kill_master SYSTEM STOP: SIGKILL (with A's service) or SIGTERM of node A's VRRP daemon.
kill_master() {
  local sys=$1 stop=$2 parent=${NODE[a]}
  if [[ $stop == graceful ]]; then
    kill -TERM "$parent"
    return 0
  fi
  if [[ $sys == keepalived ]]; then
    # SIGKILL of keepalived's parent alone makes its VRRP child leave gracefully (parent-death signal SIGTERM,
    # priority 0): freeze the parent so it cannot react or respawn, then kill both with the service in one go.
    # (A_VRRP_CHILD was read before the wait for the right instant: only builtins from here to the kill.)
    kill -STOP "$parent"
    kill -KILL "$A_VRRP_CHILD" "$parent" "${LISTENER[a]}"
  else
    kill -KILL "$parent" "${LISTENER[a]}"
  fi
  # Reap them now, quietly (bash would report each as "Killed"); both are gone within milliseconds.
  { wait "$parent"; wait "${LISTENER[a]}"; } 2>/dev/null || true
  forget "$parent"
  forget "${LISTENER[a]}"
}

# wire_times CAPTURE MARK_MICROS FIRST_OK_MS KILL_MICROS: "takeover_ms garp_ms first_ok_after_garp_ms
# signal_to_prio0_ms" from the client's capture (NaN where not seen; the last one only after a graceful stop).
# Takeover: A's last advert with a priority above 0 (after a SIGKILL) or A's priority-0 advert (graceful) to B's
# first advert after the mark; then B's first ARP for the VIP; then the probe's first success.
wire_times() {
  awk -v mark="$2" -v first_ok_ms="$3" -v kill="$4" -v a="$SUBNET.1" -v b="$SUBNET.2" -v vip="$VIP" -v bmac="$B_MAC" '
    function t() { return $1 * 1e6 }   # tcpdump -tt: epoch seconds with microseconds
    / VRRPv3, Advertisement/ {
      if (index($0, ": " a " > ")) {
        if ($0 ~ /prio 0,/) { if (t() >= mark && zero == "") zero = t() }
        else if (zero == "") last_a = t()
      }
      else if (index($0, ": " b " > ") && t() >= mark && b_adv == "") b_adv = t()
      next
    }
    /ethertype ARP/ && $2 == bmac && index($0, vip) && t() >= mark && b_adv != "" && garp == "" { garp = t() }
    END {
      from = zero != "" ? zero : last_a
      take = (from != "" && b_adv != "") ? sprintf("%.1f", (b_adv - from) / 1000) : "NaN"
      g = (garp != "" && b_adv != "") ? sprintf("%.1f", (garp - b_adv) / 1000) : "NaN"
      # Can be slightly negative: a SYN started before the GARP waits in the kernel for ARP and goes out after.
      ok = garp != "" ? sprintf("%.1f", (mark + first_ok_ms * 1000 - garp) / 1000) : "NaN"
      z = zero != "" ? sprintf("%.1f", (zero - kill) / 1000) : "NaN"
      print take, g, ok, z
    }' "$1"
}

# last_advert_us CAPTURE BEFORE_MICROS: the time of A's last advert with a priority above 0 before BEFORE_MICROS.
last_advert_us() {
  awk -v a="$SUBNET.1" -v before="$2" '/ VRRPv3, Advertisement/ && index($0, ": " a " > ") && !/prio 0,/ {
      if ($1 * 1e6 < before) t = $1 * 1e6 }
    END { if (t != "") printf "%.0f\n", t }' "$1"
}

# probe_wait PATTERN SECONDS: waits for a line of the probe starting with PATTERN.
probe_wait() { wait_until "$2" "probe: $1" grep -qs "^$1" "$WORK/probe.out"; }

RESULTS="$WORK/results.txt"
: >"$RESULTS"

# run_once SYSTEM ADVERT_MS STOP REPETITION
run_once() {
  local sys=$1 advert=$2 stop=$3 rep=$4 tag="$1-$2ms-$3-$4" h
  # A clean start: no address a killed master left behind, no client neighbour entry from the last run, and
  # the same service listener in both nodes.
  for h in a b; do
    ip -n "$(ns "$h")" addr del "$VIP/32" dev eth0 2>/dev/null || true
    if ! alive "${LISTENER[$h]:-0}"; then
      [[ -n "${LISTENER[$h]:-}" ]] && { wait "${LISTENER[$h]}" 2>/dev/null || true; forget "${LISTENER[$h]}"; }
      start_listener "$h"
    fi
  done
  ip -n "$(ns c)" neigh flush dev eth0

  start_node "$sys" a "$PRIO_A" "$advert" "$WORK/$tag-a.log"
  start_node "$sys" b "$PRIO_B" "$advert" "$WORK/$tag-b.log"
  local capture=""
  if [[ $CAPTURE == 1 ]]; then
    ip netns exec "$(ns c)" tcpdump --immediate-mode -l -n -tt -e -i eth0 'ip proto 112 or arp' \
      >"$WORK/$tag-capture.txt" 2>"$WORK/$tag-capture.err" </dev/null &
    capture=$!
    PIDS+=($capture)
    wait_until 10 "tcpdump in the client" grep -qs 'listening on' "$WORK/$tag-capture.err" || exit 1
  fi
  rm -f "$WORK/probe.in" "$WORK/probe.out"
  mkfifo "$WORK/probe.in"
  ip netns exec "$(ns c)" "$JAVA" $SMALL_JVM -cp "$JAR" io.lb4j.benchmarks.ha.OutageProbe "$VIP" "$PORT" \
    --timeout-ms "$PROBE_TIMEOUT_MS" <"$WORK/probe.in" >"$WORK/probe.out" 2>"$WORK/$tag-probe.err" &
  local probe=$!
  PIDS+=($probe)
  # Opened read-write so it neither blocks nor gives the probe EOF until we close it (or die).
  exec {PROBE_IN}<>"$WORK/probe.in"

  local ok=1 master_ms kill_us=0 gap="-1" result=""
  if wait_until 30 "A master with the VIP, B without" a_master_b_not && master_ms=$(now_ms) && probe_wait UP 30; then
    # Two intervals for B to have heard A's adverts (and learnt A's interval).
    sleep_until_us $(( (master_ms + 2 * advert + 100) * 1000 ))
    echo mark >&"$PROBE_IN"
    if probe_wait MARKED 5; then
      # Stop A at this repetition's phase of its own advert schedule as the capture shows it, the same for both
      # systems (without a capture: that phase after now, which lines up with nothing).
      local phase_us=$(( advert * 1000 * (2 * rep - 1) / (2 * ROUNDS) )) now last target
      now=$(now_us)
      last="$([[ -n $capture ]] && last_advert_us "$WORK/$tag-capture.txt" 99999999999999999 || true)"
      target=$(( ${last:-$now} + phase_us ))
      # At least 20 ms ahead: time to wake up and signal on a loaded box.
      while (( target < now + 20000 )); do target=$(( target + advert * 1000 )); done
      [[ $sys == keepalived ]] && A_VRRP_CHILD="$(cat "$WORK/vrrp-a.pid")"
      local tries=0
      while true; do
        sleep_until_us "$target"
        kill_us=$(now_us)
        # Woken up late (a loaded box): aim at the same phase of a later interval rather than stop off-phase.
        (( kill_us - target > 10000 + advert * 20 && tries < 5 )) || break
        tries=$(( tries + 1 ))
        while (( target < kill_us + 20000 )); do target=$(( target + advert * 1000 )); done
      done
      kill_master "$sys" "$stop"
      if wait_until 30 "B to hold the VIP" vip_on b; then
        echo settle >&"$PROBE_IN"
        probe_wait RESULT 30 && result="$(grep '^RESULT' "$WORK/probe.out")" || ok=0
      else
        ok=0
      fi
    else
      ok=0
    fi
  else
    ok=0
  fi
  if [[ $ok == 1 && $stop == graceful ]]; then
    # A graceful master releases the VIP and exits; say so if it did not (the numbers would not mean much).
    wait_until 10 "A to exit after SIGTERM" bash -c "! kill -0 ${NODE[a]} 2>/dev/null" || ok=0
    if vip_on a; then echo "warning: $tag: A still holds the VIP after its graceful stop" >&2; fi
  fi
  local wire=""
  if [[ -n "$capture" ]]; then
    sleep 0.05  # the last packets through tcpdump's pipe
    stop_pid "$capture"
  fi
  if [[ $ok == 1 ]]; then
    gap="$(sed -n 's/.*gap_ms=\([0-9.-]*\).*/\1/p' <<<"$result")"
    [[ "$result" == *"settled=true"* ]] || { echo "warning: $tag: probe did not settle" >&2; }
    if [[ -n "$capture" ]]; then
      local mark first_ok
      mark="$(sed -n 's/^MARKED \([0-9]*\).*/\1/p' "$WORK/probe.out")"
      first_ok="$(sed -n 's/.*first_ok_after_ms=\([0-9.-]*\).*/\1/p' <<<"$result")"
      wire="$(wire_times "$WORK/$tag-capture.txt" "$mark" "$first_ok" "$kill_us")"
      local w_take w_garp w_ok w_zero last phase
      read -r w_take w_garp w_ok w_zero <<<"$wire"
      last="$(last_advert_us "$WORK/$tag-capture.txt" "$kill_us")"
      phase="$(awk -v k="$kill_us" -v l="${last:-0}" \
        'BEGIN { if (l > 0) printf "%.1f", (k - l) / 1000; else print "NaN" }')"
      wire="$wire $phase"
      local zero_text=""
      [[ $stop == graceful ]] && zero_text=" SIGTERM -> priority 0 $w_zero ms;"
      log "$tag: gap $gap ms; wire: A stopped $phase ms after its last advert;$zero_text takeover $w_take ms," \
        "B's advert -> GARP $w_garp ms, GARP -> first connect $w_ok ms"
    fi
    log "$tag: ${result#RESULT }"
  else
    echo "run $tag FAILED; logs:" >&2
    tail -n 20 "$WORK/$tag-a.log" "$WORK/$tag-b.log" "$WORK/probe.out" "$WORK/$tag-probe.err" >&2 || true
  fi
  echo "$advert $stop $sys $rep $gap $wire" >>"$RESULTS"

  exec {PROBE_IN}>&-
  PROBE_IN=""
  stop_pid "$probe"
  for h in b a; do
    if [[ $sys == keepalived ]] && alive "${NODE[$h]}"; then kill -CONT "${NODE[$h]}" 2>/dev/null || true; fi
    stop_pid "${NODE[$h]}"
  done
  # keepalived's VRRP children (and anything else but the service listeners) must be gone before the next run.
  for h in a b; do
    for p in $(ip netns pids "$(ns "$h")"); do
      [[ $p == "${LISTENER[$h]}" ]] || kill -KILL "$p" 2>/dev/null || true
    done
  done
  rm -f "$WORK/probe.in" "$WORK/probe.out"
}

# ------------------------------------------------------------------------------------------------ runs
start_s=$(date +%s)
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $load_start;" \
  "$(keepalived --version 2>&1 | head -1); $("$JAVA" -version 2>&1 | head -1)"
echo "== $ROUNDS runs per case and system; probe: TCP connect to $VIP:$PORT every 10 ms," \
  "timeout ${PROBE_TIMEOUT_MS} ms; priorities A $PRIO_A (master) / B $PRIO_B; namespaces $PREFIX-*"
for h in a b; do start_listener "$h"; done
B_MAC="$(ip -n "$(ns b)" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
for advert in $ADVERTS; do
  for stop in $STOPS; do
    for ((rep = 1; rep <= ROUNDS; rep++)); do
      # Alternate which system goes first, so neither always runs right after the other.
      if (( rep % 2 == 1 )); then order="keepalived lb4j"; else order="lb4j keepalived"; fi
      for sys in $order; do
        run_once "$sys" "$advert" "$stop" "$rep"
      done
    done
  done
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Client-visible outage (longest gap between successful TCP connects, 10 ms probe), median (max) of $ROUNDS:"
echo
"$JAVA" -cp "$JAR" io.lb4j.benchmarks.ha.OutageTable "$RESULTS" "$PRIO_B"
echo
echo "load average: start $load_start, end $load_end; wall time $(( $(date +%s) - start_s )) s."
echo "SIGKILL: the outage depends on where in its advert interval the master died (RFC range in the last column;"
echo "each repetition kills at a different phase, the same for both systems): compare medians of equal phases, and"
echo "read the max as the spread. Graceful: SIGTERM; the backup takes over Skew_Time after the priority-0 advert."
echo "Gaps include the probe's 10 ms resolution."
