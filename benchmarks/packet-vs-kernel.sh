#!/usr/bin/env bash
# lb4j's packet engine against the Linux kernel doing the same forwarding, side by side in one invocation
# (issue 13, "Benchmarks").
#
#   benchmarks/packet-vs-kernel.sh          # root; env: DURATION=10 ROUNDS=3 OMIT=2 CASES="dr masq udp"
#                                           #   OFFLOADS=on|off UDP_RATE=0 THREADS=0 STREAMS=1 PORT=5201 JAVA JAR LB4J_JVM_OPTS KEEP_OUT=1
#   flock /tmp/lb4j-netns.lock benchmarks/packet-vs-kernel.sh   # when namespace tests may run at the same time
#
# Cases (iperf3 from the client to VIP:PORT; goal = lb4j / kernel):
#   dr    bulk TCP, direct routing to the primary (one stream, Gbit/s at the receiver)      goal >= 1.0
#   masq  bulk TCP through the MASQ fallback: NAT to the secondary, its replies un-NATed    goal >= 0.8
#   udp   64-byte UDP datagrams, direct routing (-u -l 64 -b UDP_RATE, 0 = as fast as the client can); the figure
#         is the packets per second the server received on its eth0 over the measured window (what the balancer
#         delivered; the per-run line adds what the iperf3 server read and what its full socket buffer dropped:
#         Udp InDatagrams and RcvbufErrors)                                                 goal >= 0.75
# The two systems, on the balancer only (everything else is the same lab, the same iperf3 runs):
#   kernel dr/udp: an nftables netdev ingress rule on the balancer's eth0 that sets the source MAC to the
#                  balancer's, the destination MAC to the primary's and fwd's the frame back out of eth0 (what DR
#                  does, stateless); IP forwarding off.
#   kernel masq:   nftables dnat (ip nat prerouting, conntrack) of VIP:PORT to the secondary, ip_forward=1 for that
#                  run only; replies come back through the balancer (the secondary's default route) and conntrack
#                  un-NATs them.
#   lb4j:          io.lb4j.benchmarks.packet.PacketBalancerMain (public lb4j API: PacketEngine + LoadBalancer, TCP and
#                  UDP services on VIP:PORT, primary by DR, fallback secondary with masquerade, no health check;
#                  primary halted in masq), a fresh JVM in the balancer's namespace per run; IP forwarding off.
# Each case runs ROUNDS rounds of both systems, alternating (kernel lb4j, lb4j kernel, ...) so background load hits
# both alike; each run measures DURATION seconds after OMIT seconds of warm-up (iperf3 -O for TCP; for UDP the
# window starts OMIT s after the client). The table gives medians, the ratio and the goal, with the load average at
# the start and the end and the wall time; per-run figures and lb4j's engine counters go to stderr (# lines).
#
# Lab: network namespaces lb4jbp-XXXX-{br,client,balancer,primary,secondary}, a bridge in its own namespace, each
# host's eth0 a veth created inside the namespaces (the root namespace holds no lab interface), subnet 10.231.0.0/24:
#   client 10.231.0.10/24      a static neighbour entry VIP -> the balancer's MAC, for both systems (neither has to
#                              answer ARP during a run; lb4j would, the kernel rule would not)
#   balancer 10.231.0.2/24     no VIP; send_redirects=0 (the kernel NAT forwards out of the interface it received on)
#   primary 10.231.0.110/24    VIP 10.231.0.100/32 on lo, arp_ignore=1, arp_announce=2 (DR real server)
#   secondary 10.231.0.120/32  host route to the balancer, default via it (MASQ fallback)
# Offloads: by default every interface keeps its default offloads (TSO/GSO/GRO), as real hosts do. OFFLOADS=off runs
# `ethtool -K IF gro off gso off tso off` on every lab interface first: frames at wire size for both systems.
#
# Reading the figures (one machine, everything shares its cores):
#  - the kernel forwards in the softirq of whoever sent the frame: the client's own CPU carries the kernel's whole
#    path (bridge, balancer, bridge, server), which slows the client down; lb4j's engine thread takes its part on
#    another core. With UDP_RATE=0 (send as fast as possible) the udp row therefore compares pipelines as much as
#    forwarding costs; a fixed UDP_RATE (bits/s of payload; 64 B x 100k/s = 51.2M) asks whether both keep up.
#  - veth hands locally sent frames over with their transport checksum not yet computed (tx-checksumming stays on
#    in both modes); the engine completes it in every frame it forwards (counter checksumsCompleted), which frames
#    from a real NIC would not need.
#
# Needs: root, iproute2, nftables, iperf3, jq, coreutils' timeout, ethtool (OFFLOADS=off only), a JDK 25 (JAVA=...,
# else /usr/lib/jvm/*25*/bin/java), benchmarks/target/benchmarks.jar with PacketBalancerMain (built with Maven when
# missing). Every process it started is killed and every namespace deleted on exit, also on failure or Ctrl-C (trap).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=lib/processes.sh
source "$HERE/lib/processes.sh"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
OMIT="${OMIT:-2}"
CASES="${CASES:-dr masq udp}"
OFFLOADS="${OFFLOADS:-on}"
UDP_RATE="${UDP_RATE:-0}"
# lb4j's packet threads (0: one per processor) and iperf3's parallel TCP streams: THREADS=1 vs 2 with STREAMS=4
# shows what PACKET_FANOUT buys when there are several flows (one flow always stays on one thread).
THREADS="${THREADS:-0}"
STREAMS="${STREAMS:-1}"
PORT="${PORT:-5201}"
JAR="${JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
# A full JIT (the packet path is hot), a small heap (the engine's tables are off-heap; the packet path allocates
# nothing).
LB4J_JVM_OPTS="${LB4J_JVM_OPTS:--Xms128m -Xmx128m -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED}"
MAIN=io.lb4j.benchmarks.packet.PacketBalancerMain
SUBNET=10.231.0
CLIENT=$SUBNET.10
BALANCER=$SUBNET.2
PRIMARY=$SUBNET.110
SECONDARY=$SUBNET.120
VIP=$SUBNET.100
NFT_TABLE=lb4jbp

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in DURATION ROUNDS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer: ${!v}" >&2; exit 2; }
done
[[ "$OMIT" =~ ^[0-9]+$ ]] || { echo "OMIT must be a whole number of seconds: $OMIT" >&2; exit 2; }
[[ "$OFFLOADS" == on || "$OFFLOADS" == off ]] || { echo "OFFLOADS must be on or off: $OFFLOADS" >&2; exit 2; }
for c in $CASES; do
  [[ $c == dr || $c == masq || $c == udp ]] || { echo "CASES: unknown case $c (expected: dr masq udp)" >&2; exit 2; }
done

log() { echo "# $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------------ prerequisites
[[ $EUID == 0 ]] || die "needs root (network namespaces, raw sockets, nftables)"
export PATH=$PATH:/usr/sbin:/sbin
command -v ip >/dev/null || die "iproute2 'ip' not found (apt-get install -y iproute2)"
command -v timeout >/dev/null || die "coreutils 'timeout' not found"
missing=()
command -v nft >/dev/null || missing+=(nftables)
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v jq >/dev/null || missing+=(jq)
[[ $OFFLOADS == off ]] && ! command -v ethtool >/dev/null && missing+=(ethtool)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]} (Debian packages)"
  apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
  (apt_get install "${missing[@]}" >/dev/null 2>&1 \
    || { apt_get update >/dev/null && apt_get install "${missing[@]}" >/dev/null; }) || true
  # A fresh iperf3 package may start its own server service: not ours to keep running.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then systemctl stop iperf3 2>/dev/null || true; fi
  for tool in nft iperf3 jq; do command -v $tool >/dev/null || die "$tool could not be installed"; done
fi
if [[ -z "${JAVA:-}" ]]; then
  for candidate in /usr/lib/jvm/*25*/bin/java "${JAVA_HOME:-/nonexistent}/bin/java"; do
    if [[ -x "$candidate" ]] && "$candidate" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      JAVA=$candidate
      break
    fi
  done
fi
[[ -n "${JAVA:-}" && -x "$JAVA" ]] || die "no JDK 25 found: set JAVA=/path/to/jdk-25/bin/java"
# (A jar's central directory holds the entry names uncompressed.)
if [[ ! -f "$JAR" ]] || ! grep -qaF "${MAIN//.//}.class" "$JAR"; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
  [[ -f "$JAR" ]] || die "no $JAR after the build"
fi

# ------------------------------------------------------------------------------------------------ cleanup
PREFIX="lb4jbp-$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
WORK="$(mktemp -d /tmp/lb4j-packet-bench.XXXXXX)"
NAMESPACES=()
PIDS=()
cleanup() {
  local rc=$? p ns i
  set +e
  trap - EXIT INT TERM
  # bash reports each job it reaps after a SIGKILL ("Killed ..."): expected here, so keep it off the output.
  exec 3>&2 2>/dev/null
  for p in "${PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null
  done
  # Anything else still running in our namespaces is ours too: kill it by pid.
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
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# ------------------------------------------------------------------------------------------------ lab
ns() { echo "$PREFIX-$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
add_ns() { ip netns add "$(ns "$1")"; NAMESPACES+=("$(ns "$1")"); }
mac_of() { ip -n "$(ns "$1")" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

add_ns br
ip -n "$(ns br)" link add br0 type bridge
ip -n "$(ns br)" link set br0 up
for host in client:$CLIENT/24 balancer:$BALANCER/24 primary:$PRIMARY/24 secondary:$SECONDARY/32; do
  h=${host%%:*}
  add_ns "$h"
  # Created directly inside the namespaces: the root namespace never holds either end.
  ip link add eth0 netns "$(ns "$h")" type veth peer name "p-$h" netns "$(ns br)"
  ip -n "$(ns br)" link set "p-$h" master br0
  ip -n "$(ns br)" link set "p-$h" up
  ip -n "$(ns "$h")" link set lo up
  ip -n "$(ns "$h")" link set eth0 up
  ip -n "$(ns "$h")" addr add "${host#*:}" dev eth0
done
if [[ $OFFLOADS == off ]]; then
  for h in client balancer primary secondary; do
    in_ns "$h" ethtool -K eth0 gro off gso off tso off
    ip netns exec "$(ns br)" ethtool -K "p-$h" gro off gso off tso off
  done
  ip netns exec "$(ns br)" ethtool -K br0 gro off gso off tso off
fi
# The primary: direct-routing real server.
ip -n "$(ns primary)" addr add "$VIP/32" dev lo
in_ns primary sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
  net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
# The secondary: MASQ fallback, replies through the balancer.
ip -n "$(ns secondary)" route add "$BALANCER/32" dev eth0
ip -n "$(ns secondary)" route add default via "$BALANCER"
# The balancer: no forwarding (each kernel NAT run turns it on for itself), and no ICMP redirects, which the kernel
# NAT would otherwise send for every packet it forwards back out of eth0 (and hosts could follow, past the NAT).
in_ns balancer sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.send_redirects=0 \
  net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
for h in client secondary; do
  in_ns "$h" sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0
done
BALANCER_MAC="$(mac_of balancer)"
PRIMARY_MAC="$(mac_of primary)"
ip -n "$(ns client)" neigh replace "$VIP" lladdr "$BALANCER_MAC" dev eth0 nud permanent

# ------------------------------------------------------------------------------------------------ the two systems
LB4J_PID=""
LB4J_LOG=""

# system_on SYSTEM CASE TAG
system_on() {
  local sys=$1 c=$2 tag=$3
  if [[ $sys == kernel ]]; then
    if [[ $c == masq ]]; then
      in_ns balancer sysctl -qw net.ipv4.ip_forward=1
      in_ns balancer nft -f - <<EOF
table ip $NFT_TABLE {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr $VIP tcp dport $PORT counter dnat to $SECONDARY
  }
}
EOF
    else
      in_ns balancer nft -f - <<EOF
table netdev $NFT_TABLE {
  chain ingress {
    type filter hook ingress device "eth0" priority 0; policy accept;
    ip daddr $VIP meta l4proto { tcp, udp } th dport $PORT ether saddr set $BALANCER_MAC ether daddr set $PRIMARY_MAC counter fwd to "eth0"
  }
}
EOF
    fi
  else
    local mode=dr
    [[ $c == masq ]] && mode=masq
    LB4J_LOG="$WORK/$tag-lb4j.log"
    # ip netns exec execs java: $! is the JVM, so SIGTERM reaches its shutdown hook (which prints the counters).
    ip netns exec "$(ns balancer)" "$JAVA" $LB4J_JVM_OPTS -Dlb4j.packetThreads="$THREADS" -cp "$JAR" "$MAIN" \
      "$mode" eth0 "$VIP" "$PRIMARY" "$SECONDARY" "$PORT" >"$LB4J_LOG" 2>&1 </dev/null &
    LB4J_PID=$!
    PIDS+=("$LB4J_PID")
    if ! wait_until 60 "lb4j's READY" bash -c "grep -qs '^READY' '$LB4J_LOG' || ! kill -0 $LB4J_PID 2>/dev/null" \
        || ! grep -qs '^READY' "$LB4J_LOG"; then
      cat "$LB4J_LOG" >&2
      die "lb4j's balancer did not start"
    fi
  fi
}

# system_off SYSTEM CASE TAG
system_off() {
  local sys=$1 c=$2 tag=$3
  if [[ $sys == kernel ]]; then
    local family=netdev what="frames forwarded"
    [[ $c == masq ]] && { family=ip; what="connections NATed"; }
    # The rule's counter says the frames did pass the balancer's rule (a NAT rule sees each connection's first packet).
    log "$tag: kernel rule: $(in_ns balancer nft list table "$family" "$NFT_TABLE" \
      | sed -n 's/.*counter packets \([0-9]*\) bytes.*/\1/p' | head -1) $what"
    in_ns balancer nft delete table "$family" "$NFT_TABLE"
    in_ns balancer sysctl -qw net.ipv4.ip_forward=0
  else
    stop_pid "$LB4J_PID"
    alive "$LB4J_PID" && die "lb4j's balancer (pid $LB4J_PID) did not stop"
    local stats
    stats="$(sed -n 's/^STATS Stats\[\(.*\)\]$/\1/p' "$LB4J_LOG")"
    if [[ -n $stats ]]; then
      # The counters that say where the frames went; all of them are in the run's log.
      log "$tag: lb4j engine: $(tr ',' '\n' <<<"$stats" | sed 's/^ //' | grep -E \
        '^(rxFrames|forwardedDirect|forwardedNat|repliesUnNatted|checksumsCompleted|oversize|txRingFull|noFlow|neighbourMiss|truncatedCapture)=' \
        | paste -sd' ')"
    else
      log "$tag: lb4j engine: no counters (log: $(tail -n 5 "$LB4J_LOG" | tr '\n' ' '))"
    fi
    LB4J_PID=""
  fi
}

# ------------------------------------------------------------------------------------------------ measurements
SERVER_PID=""
# server_start HOST ADDRESS TAG: an iperf3 server for one test on ADDRESS:PORT in HOST.
server_start() {
  local h=$1 addr=$2 tag=$3
  in_ns "$h" iperf3 -s -1 -B "$addr" -p "$PORT" >"$WORK/$tag-server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_until 10 "iperf3 server in $h" bash -c "ip netns exec $(ns "$h") ss -Hltn 'sport = :$PORT' | grep -q ." \
    || { cat "$WORK/$tag-server.log" >&2; die "iperf3 server did not start in $h"; }
}

server_stop() {
  stop_pid "$SERVER_PID"
  SERVER_PID=""
}

# rx_packets HOST: packets received on HOST's eth0.
rx_packets() { ip -n "$(ns "$1")" -s -j link show eth0 | jq '.[0].stats64.rx.packets'; }

# udp_counters HOST: "InDatagrams RcvbufErrors" of HOST's UDP stack.
udp_counters() {
  in_ns "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $2, $6; exit }' /proc/net/snmp
}

CLIENT_LIMIT=$(( OMIT + DURATION + 30 ))
# measure CASE TAG: sets MEASURED to the figure (Gbit/s for TCP, packets/s for udp), 0 when the run failed.
# (Not a command substitution: its processes must be in this shell's PIDS.)
MEASURED=""
measure() {
  local c=$1 tag=$2 host=primary addr=$VIP out="$WORK/$tag-client.json" err="$WORK/$tag-client.err" rc=0 value
  [[ $c == masq ]] && { host=secondary; addr=$SECONDARY; }
  server_start "$host" "$addr" "$tag"
  if [[ $c == udp ]]; then
    # Datagrams the server's stack delivered during DURATION s, from OMIT s after the client started.
    local start_ns t0 t1 n0 n1
    start_ns=$(date +%s%N)
    timeout -k 5 "$CLIENT_LIMIT" ip netns exec "$(ns client)" iperf3 -c "$VIP" -p "$PORT" -u -l 64 -b "$UDP_RATE" \
      -t $(( OMIT + DURATION + 1 )) --connect-timeout 3000 -J >"$out" 2>"$err" </dev/null &
    local client=$!
    PIDS+=("$client")
    sleep "$(awk -v s="$start_ns" -v o="$OMIT" -v n="$(date +%s%N)" 'BEGIN { d = o - (n - s) / 1e9; print (d > 0 ? d : 0) }')"
    local p0 n0 e0 p1 n1 e1
    t0=$(date +%s%N); p0=$(rx_packets "$host"); read -r n0 e0 < <(udp_counters "$host")
    sleep "$DURATION"
    t1=$(date +%s%N); p1=$(rx_packets "$host"); read -r n1 e1 < <(udp_counters "$host")
    wait "$client" || rc=$?
    forget "$client"
    per_s() { awk -v a="$1" -v b="$2" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) / ((t1 - t0) / 1e9) }'; }
    value="$(per_s "$p0" "$p1")"
    local sent
    sent="$(jq -r '(.end.sum.packets // 0) / (.end.sum.seconds // 1) | floor' "$out" 2>/dev/null || echo '?')"
    log "$tag: $value packets/s received by the server; its iperf3 read $(per_s "$n0" "$n1")/s, its full socket" \
      "buffer dropped $(per_s "$e0" "$e1")/s (the client sent $sent/s over its whole run)"
  else
    timeout -k 5 "$CLIENT_LIMIT" ip netns exec "$(ns client)" iperf3 -c "$VIP" -p "$PORT" -t "$DURATION" -O "$OMIT" \
      -P "$STREAMS" --connect-timeout 3000 -J >"$out" 2>"$err" </dev/null || rc=$?
    value="$(jq -r '.end.sum_received.bits_per_second // empty' "$out" 2>/dev/null || true)"
    if [[ -n $value ]]; then
      value="$(awk -v b="$value" 'BEGIN { printf "%.3f", b / 1e9 }')"
      log "$tag: $value Gbit/s received, $(jq -r '.end.sum_sent.retransmits // "?"' "$out") retransmits"
    fi
  fi
  if [[ $rc != 0 || -z $value ]]; then
    log "$tag: iperf3 failed (exit $rc$([[ $rc == 124 ]] && echo ': timed out')): $(jq -r '.error // empty' "$out" 2>/dev/null \
      | head -1) $(head -c 300 "$err" | tr '\n' ' ')"
    [[ $c == udp && -n $value ]] || value=0
    FAILED["$c ${tag##*-}"]=$(( ${FAILED["$c ${tag##*-}"]:-0} + 1 ))
  fi
  server_stop
  MEASURED=$value
}

# ------------------------------------------------------------------------------------------------ runs
declare -A FAILED
RESULTS="$WORK/results.txt"
: >"$RESULTS"
start_s=$(date +%s)
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; Linux $(uname -r); load average $load_start; lb4j packet threads ${THREADS/#0/one per core}, ${STREAMS} TCP stream(s)"
echo "== $(iperf3 --version | head -1); $(nft --version); $("$JAVA" -version 2>&1 | head -1)"
echo "== offloads $OFFLOADS; $ROUNDS rounds x $DURATION s (+ $OMIT s warm-up) per case and system; namespaces $PREFIX-*"
for c in $CASES; do
  for ((r = 1; r <= ROUNDS; r++)); do
    if (( r % 2 == 1 )); then order="kernel lb4j"; else order="lb4j kernel"; fi
    for sys in $order; do
      tag="$c-$r-$sys"
      system_on "$sys" "$c" "$tag"
      measure "$c" "$tag"
      system_off "$sys" "$c" "$tag"
      echo "$c $sys $r $MEASURED" >>"$RESULTS"
    done
  done
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------------ table
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "NaN"; else if (NR % 2) print v[(NR + 1) / 2];
  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "lb4j packet engine vs the kernel, median of $ROUNDS x $DURATION s, offloads $OFFLOADS:"
echo
printf '| %-38s | %14s | %14s | %12s | %6s |\n' case kernel lb4j "lb4j/kernel" goal
printf '| %-38s | %14s | %14s | %12s | %6s |\n' "---" "---:" "---:" "---:" "---:"
for c in $CASES; do
  case $c in
    dr) name="bulk TCP, direct routing (Gbit/s)"; goal=1.0 ;;
    masq) name="bulk TCP, MASQ fallback / NAT (Gbit/s)"; goal=0.8 ;;
    udp) name="64-byte UDP, direct routing (kpps)"; goal=0.75 ;;
  esac
  k="$(awk -v c="$c" '$1 == c && $2 == "kernel" { print $4 }' "$RESULTS" | median)"
  l="$(awk -v c="$c" '$1 == c && $2 == "lb4j" { print $4 }' "$RESULTS" | median)"
  read -r kf lf ratio met < <(awk -v k="$k" -v l="$l" -v udp="$([[ $c == udp ]] && echo 1 || echo 0)" -v g="$goal" 'BEGIN {
    if (udp) { kf = sprintf("%.1f", k / 1000); lf = sprintf("%.1f", l / 1000) } else { kf = sprintf("%.2f", k); lf = sprintf("%.2f", l) }
    if (k > 0) { r = l / k; printf "%s %s %.2f %s\n", kf, lf, r, (r >= g ? "met" : "not-met") }
    else printf "%s %s NaN not-met\n", kf, lf }')
  notes=""
  for sys in kernel lb4j; do
    [[ -n "${FAILED["$c $sys"]:-}" ]] && notes+=" ($sys: ${FAILED["$c $sys"]} failed runs counted as 0)"
  done
  printf '| %-38s | %14s | %14s | %12s | %6s |%s\n' "$name" "$kf" "$lf" "${ratio}x" ">= $goal" \
    "$([[ $met == met ]] && echo " met" || echo " NOT met")$notes"
done
echo
echo "Per run (case system round figure): $(awk '{ printf "%s%s %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $4 }' "$RESULTS")"
echo "load average: start $load_start, end $load_end; wall time $(( $(date +%s) - start_s )) s."
