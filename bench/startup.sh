#!/usr/bin/env bash
# Time from launching the JVM to the first 200 from /readyz, on the embedded dev chain and in front
# of anvil, each run on a fresh data directory (a first start: migrations, and in dev mode key
# generation and funding). Also the time from SIGTERM to exit.
#   bench/startup.sh     (STARTUP_RUNS=5)
source "$(dirname "$0")/lib.sh"

RUNS="${STARTUP_RUNS:-5}"

ensure_tools curl
ensure_anvil
ensure_server_built

start_anvil anvil --block-time 1

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# measure MODE RUN [--KEY=value...]: sets READY_MS and EXIT_MS (in this shell, so cleanup knows the PID)
measure() {
  local mode="$1" run="$2" start
  shift 2
  start="$(now_ms)"
  if [ "$mode" = dev ]; then
    launch_server "dev-$run" "$@"
  else
    launch_server_on "anvil-$run" "$ANVIL_URL" "$@"
  fi
  until ready; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start; see $LOGFILE"
    [ $(($(now_ms) - start)) -lt 60000 ] || die "not ready within 60 s; see $LOGFILE"
    sleep 0.02
  done
  READY_MS=$(($(now_ms) - start))
  start="$(now_ms)"
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  EXIT_MS=$(($(now_ms) - start))
}

declare -A READY EXIT
for mode in dev anvil; do
  READY[$mode]="" EXIT[$mode]=""
  for ((run = 1; run <= RUNS; run++)); do
    log "$mode start $run/$RUNS"
    measure "$mode" "$run"
    READY[$mode]+="$READY_MS " EXIT[$mode]+="$EXIT_MS "
  done
done

echo "== startup: launch to first /readyz 200, fresh data directory each run, $RUNS runs per mode =="
machine_info
echo "node for 'anvil': anvil $ANVIL_VERSION --block-time 1 (started once, before the runs)"
echo
printf '%-6s %10s %8s %8s   %-32s %s\n' mode 'median ms' 'min ms' 'max ms' 'all runs (ms)' 'SIGTERM to exit, median ms'
for mode in dev anvil; do
  printf '%-6s %10s %8s %8s   %-32s %s\n' "$mode" \
    "$(tr ' ' '\n' <<<"${READY[$mode]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${READY[$mode]}" | grep . | sort -n | head -n 1)" \
    "$(tr ' ' '\n' <<<"${READY[$mode]}" | grep . | sort -n | tail -n 1)" \
    "${READY[$mode]}" "$(tr ' ' '\n' <<<"${EXIT[$mode]}" | grep . | median)"
done
echo "target: ready within 2000 ms of launch"
