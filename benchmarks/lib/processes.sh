# Process helpers shared by the namespace benchmarks (sourced, not run). The caller keeps the pids it started in the
# array PIDS, which its cleanup trap signals.

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
alive() { kill -0 "$1" 2>/dev/null; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 10 ms; fails with WHAT after SECONDS.
wait_until() {
  local deadline=$(( $(now_ms) + $1 * 1000 )) what=$2
  shift 2
  until "$@"; do
    if (( $(now_ms) > deadline )); then
      echo "timed out waiting for: $what" >&2
      return 1
    fi
    sleep 0.01
  done
}

# forget PID: drops a reaped process from PIDS, so the cleanup never signals a pid the system may have reused.
forget() {
  local p keep=()
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# stop_pid PID [SIGNAL]: SIGNAL (default TERM), up to 10 s to exit, then SIGKILL; reaps it.
stop_pid() {
  local p=$1
  if alive "$p"; then
    kill "-${2:-TERM}" "$p" 2>/dev/null || true
    wait_until 10 "pid $p to exit" bash -c "! kill -0 $p 2>/dev/null" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  forget "$p"
}
