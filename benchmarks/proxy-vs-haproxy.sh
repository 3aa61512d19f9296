#!/usr/bin/env bash
# lb4j's proxy engine against HAProxy in TCP mode, both in front of nginx, loaded by wrk. One invocation, loopback
# only, everything it starts is stopped on exit (trap).
#
#   benchmarks/proxy-vs-haproxy.sh     # env: DURATION=8s WARMUP=3s CONNECTIONS=50 BIG_CONNECTIONS=10 ROUNDS=5
#                                      #      ROWS=keepalive,newconn,big LB4J_JAVA_OPTS=... JAVA=... NGINX_WORKERS=1
#                                      #      LB4J_TRANSPORT=auto|nio|epoll|io_uring
#
# Rows:  keep-alive 1 KiB requests | a new connection per request (Connection: close) | 1 MiB responses (keep-alive)
# Columns: direct to nginx | through HAProxy (mode tcp, nbthread 1) | through lb4j (ProxyEngine, ioThreads 1, the
# fastest transport available unless LB4J_TRANSPORT says which; benchmarks/transports.sh compares the transports)
# and the ratios lb4j/HAProxy for requests/s and p99 latency (goal: req/s >= 1.0, p99 <= 1.1). HAProxy and lb4j are
# measured in paired rounds (back to back, alternating which goes first); each ratio is the median of the rounds'
# ratios, each absolute figure the median of the rounds.
#
# Needs: nginx, haproxy, wrk (Debian packages; installed with apt-get when missing, which needs root), a JDK 25
# (JAVA=/path/to/java, else /usr/lib/jvm/*25*/bin/java), and lb-appliance/target/lb4j-appliance.jar (built with
# Maven when missing).
set -euo pipefail

DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-50}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-10}
WRK_THREADS=${WRK_THREADS:-1}
NGINX_WORKERS=${NGINX_WORKERS:-1}
ROUNDS=${ROUNDS:-5}
NGINX_PORT=${NGINX_PORT:-18180}
HAPROXY_PORT=${HAPROXY_PORT:-18181}
LB4J_PORT=${LB4J_PORT:-18182}
ROWS=${ROWS:-keepalive,newconn,big}
# JVM options of the appliance. Leak detection is a debugging aid (tests run it paranoid); production runs without.
LB4J_JAVA_OPTS=${LB4J_JAVA_OPTS:--Dio.netty.leakDetection.level=disabled}
# The proxy engine's transport, written into the appliance's config: auto (the default: the fastest available), nio,
# epoll or io_uring (the last two where available; the appliance refuses the file otherwise).
LB4J_TRANSPORT=${LB4J_TRANSPORT:-auto}
case "$LB4J_TRANSPORT" in
  auto | nio | epoll | io_uring) ;;
  *) echo "LB4J_TRANSPORT: $LB4J_TRANSPORT (expected: auto, nio, epoll or io_uring)" >&2; exit 1 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/lb-appliance/target/lb4j-appliance.jar

log() { echo "# $*" >&2; }

# ------------------------------------------------------------------------------------------------ prerequisites
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  # Wait for another apt/dpkg run (up to 10 min) instead of failing on its lock.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin
# The packages' services are not used (and on a fresh install they may have started on port 80): stop them.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl stop nginx haproxy 2>/dev/null || true
fi

if [ -z "${JAVA:-}" ]; then
  for candidate in /usr/lib/jvm/*25*/bin/java "${JAVA_HOME:-/nonexistent}/bin/java" "$(command -v java || true)"; do
    if [ -x "$candidate" ] && "$candidate" -version 2>&1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      JAVA=$candidate
      break
    fi
  done
fi
[ -n "${JAVA:-}" ] || { echo "no JDK 25 found: set JAVA=/path/to/jdk-25/bin/java" >&2; exit 1; }
if [ ! -f "$JAR" ]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -B -pl lb-appliance -am package -Dmaven.test.skip=true)
fi

for port in "$NGINX_PORT" "$HAPROXY_PORT" "$LB4J_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is in use: set NGINX_PORT / HAPROXY_PORT / LB4J_PORT" >&2
    exit 1
  fi
done

# ------------------------------------------------------------------------------------------------ processes
WORK=$(mktemp -d /tmp/lb4j-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "$name did not start listening on 127.0.0.1:$port; its log:" >&2
  cat "$WORK/$name.log" >&2 || true
  exit 1
}

mkdir -p "$WORK/www" "$WORK/tmp"
head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
# nginx started as root serves from unprivileged workers: they must be able to read the files.
chmod -R a+rX "$WORK"

cat >"$WORK/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    root $WORK/www;
  }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
wait_for_port "$NGINX_PORT" nginx

cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend bench
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend nginx
backend nginx
  server nginx 127.0.0.1:$NGINX_PORT
EOF
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
wait_for_port "$HAPROXY_PORT" haproxy

cat >"$WORK/lb4j.yaml" <<EOF
engine: { type: proxy, ioThreads: 1, transport: $LB4J_TRANSPORT }
services:
  - label: BENCH
    address: 127.0.0.1
    ports: [$LB4J_PORT]
    healthCheck: none
    realServers:
      - { label: nginx, address: 127.0.0.1, port: $NGINX_PORT }
EOF
# shellcheck disable=SC2086 # LB4J_JAVA_OPTS is a list of options
"$JAVA" $LB4J_JAVA_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -jar "$JAR" --config "$WORK/lb4j.yaml" >"$WORK/lb4j.log" 2>&1 &
PIDS+=($!)
wait_for_port "$LB4J_PORT" lb4j

# ------------------------------------------------------------------------------------------------ measuring
# wrk prints "Requests/sec: N" and, with --latency, "99%  1.23ms"; p99 is converted to milliseconds.
measure() { # port path connections [extra wrk args...] -> "reqs p99ms"
  local port=$1 path=$2 conns=$3
  shift 3
  wrk -t"$WRK_THREADS" -c"$conns" -d"$WARMUP" "$@" "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true
  local out
  out=$(wrk -t"$WRK_THREADS" -c"$conns" -d"$DURATION" --latency "$@" "http://127.0.0.1:$port$path" 2>&1)
  local errors
  errors=$(echo "$out" | awk '/Socket errors|Non-2xx/ {print}' | tr '\n' ' ')
  # Errors make a row meaningless (an error page is not a 1 MiB response): say so loudly.
  [ -n "$errors" ] && log "WARNING port $port $path: $errors"
  echo "$out" | awk '
    /Requests\/sec:/ { reqs = $2 }
    $1 == "99%" {
      v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v)
      ms = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : (unit == "m") ? v * 60000 : v
      p99 = ms
    }
    END { printf "%s %.3f\n", reqs, p99 }'
}

median() { # prints the median of its numeric arguments (the lower middle one of an even count)
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

row() { # name path connections [extra wrk args...]
  local name=$1 path=$2 conns=$3
  shift 3
  local d h l round
  local -a hr=() hp=() lr=() lp=() rr=() rp=()
  log "$name: direct"
  d=$(measure "$NGINX_PORT" "$path" "$conns" "$@")
  # Paired rounds: HAProxy and lb4j back to back, in alternating order, and the ratios taken within each round.
  # The speed of a shared virtual machine drifts by tens of percent within minutes (HAProxy alone measured 90 to 122
  # us of CPU per new connection in one session); a pair measured seconds apart sees the same machine, so the median
  # of the rounds' ratios follows the two proxies and not the drift. Absolute columns are the medians of the rounds.
  for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
      log "$name: round $round/$ROUNDS: haproxy, lb4j"
      h=$(measure "$HAPROXY_PORT" "$path" "$conns" "$@")
      l=$(measure "$LB4J_PORT" "$path" "$conns" "$@")
    else
      log "$name: round $round/$ROUNDS: lb4j, haproxy"
      l=$(measure "$LB4J_PORT" "$path" "$conns" "$@")
      h=$(measure "$HAPROXY_PORT" "$path" "$conns" "$@")
    fi
    log "$name: round $round: haproxy $h, lb4j $l (requests/s p99-ms)"
    hr+=("${h% *}") hp+=("${h#* }") lr+=("${l% *}") lp+=("${l#* }")
    rr+=("$(awk -v a="${l% *}" -v b="${h% *}" 'BEGIN { print (b > 0 ? a / b : 0) }')")
    rp+=("$(awk -v a="${l#* }" -v b="${h#* }" 'BEGIN { print (b > 0 ? a / b : 0) }')")
  done
  awk -v name="$name" -v d="$d" -v hr="$(median "${hr[@]}")" -v hp="$(median "${hp[@]}")" \
    -v lr="$(median "${lr[@]}")" -v lp="$(median "${lp[@]}")" -v rr="$(median "${rr[@]}")" -v rp="$(median "${rp[@]}")" '
    BEGIN {
      split(d, D, " ")
      printf "| %-34s | %9.0f | %8.2f | %9.0f | %8.2f | %9.0f | %8.2f | %11.2f | %11.2f |\n",
        name, D[1], D[2], hr, hp, lr, lp, rr, rp
    }'
}

cores=$(nproc)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "lb4j proxy engine vs HAProxy $(haproxy -v 2>/dev/null | awk 'NR==1 {print $3}') (mode tcp), backend nginx $(nginx -v 2>&1 | awk -F/ '{print $2}'), load wrk"
echo "machine: $cores cores ($cpu), $(uname -sr); java: $("$JAVA" -version 2>&1 | head -1)"
echo "threads: HAProxy nbthread 1, lb4j ProxyEngine ioThreads 1 ($LB4J_TRANSPORT), nginx workers $NGINX_WORKERS, wrk threads $WRK_THREADS;" \
  "$DURATION per cell after $WARMUP warm-up; HAProxy and lb4j in $ROUNDS paired rounds, medians (ratios: median of the rounds' ratios); lb4j JVM options: $LB4J_JAVA_OPTS"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every column)"
echo
echo "| row                                | direct/s  | p99 ms   | HAProxy/s | p99 ms   | lb4j/s    | p99 ms   | lb4j/HAP/s  | lb4j/HAP p99|"
echo "|------------------------------------|-----------|----------|-----------|----------|-----------|----------|-------------|-------------|"
case ",$ROWS," in *,keepalive,*) row "keep-alive, 1 KiB, $CONNECTIONS conns" /1k.bin "$CONNECTIONS" ;; esac
case ",$ROWS," in *,newconn,*) row "new connection per request, 1 KiB" /1k.bin "$CONNECTIONS" -H "Connection: close" ;; esac
case ",$ROWS," in *,big,*) row "1 MiB responses, $BIG_CONNECTIONS conns" /1m.bin "$BIG_CONNECTIONS" ;; esac
