#!/usr/bin/env bash
# Time from launching the JVM to the first 200 from /readyz, on the embedded dev chain and in front
# of anvil, each run on a fresh data directory (a first start: migrations, and in dev mode key
# generation and funding), as shipped: with the AOT class cache ./dyt build makes; the dev server also
# through the launcher (./dyt serve: finding the JDK, the staleness check, then the same JVM). A last
# mode starts the dev server without the cache, for comparison. Also the time from SIGTERM to exit.
#   bench/startup.sh     (STARTUP_RUNS=5; STARTUP_NOAOT=0 leaves the comparison out)
source "$(dirname "$0")/lib.sh"

RUNS="${STARTUP_RUNS:-5}"

ensure_tools curl
ensure_anvil
ensure_server_built

start_anvil anvil --block-time 1

# measure MODE RUN [--KEY=value...]: sets READY_MS, CPU_MS (the server's CPU time until ready) and
# EXIT_MS, in this shell so that cleanup knows the PID
measure() {
  local mode="$1" run="$2" start
  shift 2
  start="$(now_ms)"
  if [ "$mode" = dev-noaot ]; then
    BENCH_AOT=0 launch_server "noaot-$run" "$@"
  elif [ "$mode" = dev ]; then
    launch_server "dev-$run" "$@"
  elif [ "$mode" = dyt ]; then
    BENCH_VIA_DYT=1 launch_server "dyt-$run" "$@"
  else
    launch_server_on "anvil-$run" "$ANVIL_URL" "$@"
  fi
  until ready; do
    kill -0 "$SERVER_PID" 2>/dev/null || exited "the server"
    [ $(($(now_ms) - start)) -lt 60000 ] || die "not ready within 60 s; see $LOGFILE"
    sleep 0.02
  done
  READY_MS=$(($(now_ms) - start))
  CPU_MS="$(awk -v s="$(cpu_seconds "$SERVER_PID")" 'BEGIN { printf "%.0f", 1000 * s }')"
  start="$(now_ms)"
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  EXIT_MS=$(($(now_ms) - start))
}

[ -f "$AOT_CACHE" ] || die "no AOT cache at $AOT_CACHE (./dyt build makes it on JDK 25+)"
MODES="dev dyt anvil"
[ "${STARTUP_NOAOT:-1}" = 0 ] || MODES="$MODES dev-noaot"

declare -A READY CPU EXIT
for mode in $MODES; do
  READY[$mode]="" CPU[$mode]="" EXIT[$mode]=""
  for ((run = 1; run <= RUNS; run++)); do
    log "$mode start $run/$RUNS"
    measure "$mode" "$run"
    READY[$mode]+="$READY_MS " CPU[$mode]+="$CPU_MS " EXIT[$mode]+="$EXIT_MS "
  done
done

echo "== startup: launch to first /readyz 200, fresh data directory each run, $RUNS runs per mode =="
machine_info
echo "node for 'anvil': anvil $ANVIL_VERSION --block-time 1 (started once, before the runs)"
echo
values() { tr ' ' '\n' <<<"$1" | grep .; }
printf '%-9s %10s %8s %8s   %-30s %15s %12s\n' mode 'median ms' 'min ms' 'max ms' 'all runs (ms)' 'CPU ms, median' 'exit ms, med'
for mode in $MODES; do
  printf '%-9s %10s %8s %8s   %-30s %15s %12s\n' "$mode" "$(values "${READY[$mode]}" | median)" \
    "$(values "${READY[$mode]}" | sort -n | head -n 1)" "$(values "${READY[$mode]}" | sort -n | tail -n 1)" \
    "${READY[$mode]}" "$(values "${CPU[$mode]}" | median)" "$(values "${EXIT[$mode]}" | median)"
done
echo "(CPU ms: the server's user + system time until ready, all threads; exit ms: SIGTERM to process exit)"
echo "(dev, anvil: java as the systemd unit runs it, with -XX:AOTCache; dyt: the dev start through ./dyt serve; dev-noaot: the dev start without the cache)"
echo "target: ready within 1000 ms of launch (median)"
