#!/usr/bin/env bash
# The proxy engine on every transport it can use here (nio, epoll, io_uring), in one run on loopback: request/response,
# a new connection per request, and bulk 1 MiB answers; ops/s, p99 and the engine's CPU per operation, with the ratios
# to NIO. The measurement behind Transport.AUTO's order. Everything it starts is stopped on exit.
#
#   benchmarks/transports.sh     # env: SECONDS_PER_CELL=5 WARMUP_SECONDS=2 ROUNDS=3 JAVA=/path/to/java JAR=...
#
# Needs a JDK 25 (JAVA=/path/to/java, else /usr/lib/jvm/*25*/bin/java) and benchmarks/target/benchmarks.jar (built
# with Maven when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/benchmarks/target/benchmarks.jar}

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
  echo "# building $JAR" >&2
  (cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests)
fi

exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xms256m -Xmx256m -Dio.netty.leakDetection.level=disabled \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$JAR" io.lb4j.benchmarks.proxy.TransportHarness
