#!/usr/bin/env bash
# An A/B of two builds' starts, for a machine whose load moves: this checkout's server and
# STARTUP_BASELINE's (another checkout, built with ./dyt build), each with its own JVM options
# (its ./dyt jvm-options) and AOT cache, started in alternating rounds (a b, then b a, ...) on a
# fresh data directory each time, so that a change of load falls on both alike. Each start: launch
# to the first 200 from /readyz, and at that moment the CPU of the server's threads (main, the C1 and
# C2 compilers, the rest, and those that ended before ready: the database's and the service
# registry's start threads), then the compilers' CPU 3 s later (what they still had queued). Prints
# each start, then the medians per build.
#   STARTUP_BASELINE=/path/to/checkout bench/startup-ab.sh
#   (STARTUP_AB_MODE=anvil (or dev, dyt: the dev start through ./dyt serve) STARTUP_AB_ROUNDS=6;
#   STARTUP_A_JAVA_OPTS, STARTUP_B_JAVA_OPTS: each build's memory part of the options, BENCH_JAVA_OPTS
#   by default; with STARTUP_BASELINE=. and two of these, an A/B of JVM options on one build)
source "$(dirname "$0")/lib.sh"

ab_baseline STARTUP_BASELINE
A_OPTS="${STARTUP_A_JAVA_OPTS-$BENCH_JAVA_OPTS}"
B_OPTS="${STARTUP_B_JAVA_OPTS-$BENCH_JAVA_OPTS}"
MODE="${STARTUP_AB_MODE:-anvil}"
ROUNDS="${STARTUP_AB_ROUNDS:-6}"
case "$MODE" in
  dev | dyt | anvil) ;;
  *) die "STARTUP_AB_MODE: one of dev dyt anvil" ;;
esac

ensure_tools curl
ensure_server_built
if [ "$MODE" = anvil ]; then
  ensure_anvil
  start_anvil anvil --block-time 1
fi

# thread_cpu_ms PID: "main c1 c2 rest ended" in ms, the server's threads at this moment
thread_cpu_ms() {
  local pid="$1" tck total
  tck="$(getconf CLK_TCK)"
  total="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")"
  for t in /proc/"$pid"/task/*; do
    printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null || echo 0)"
  done | awk -F'\t' -v tck="$tck" -v total="$total" '
    { n = $2 + 0; live += n }
    $1 == "java" { main += n; next }
    $1 ~ /^C1 Compiler/ { c1 += n; next }
    $1 ~ /^C2 Compiler/ { c2 += n; next }
    { rest += n }
    END { k = 1000 / tck; printf "%d %d %d %d %d\n", main * k, c1 * k, c2 * k, rest * k, (total - live) * k }'
}

# start_one RUN BUILD: one start of build a (this checkout) or b (the baseline), each with its own
# ./dyt jvm-options and its memory options; prints its row
start_one() {
  local run="$1" build="$2" start ready_ms cpu_ms threads jit_later opts="$A_OPTS"
  [ "$build" = a ] || opts="$B_OPTS"
  log "round $run/$ROUNDS: $build"
  start="$(now_ms)"
  case "$MODE" in
    dev) BENCH_JAVA_OPTS="$opts" BUILD_ROOT=1 with_build "$build" launch_server "$build-$run" ;;
    dyt) BENCH_JAVA_OPTS="$opts" BUILD_ROOT=1 BENCH_VIA_DYT=1 with_build "$build" launch_server "$build-$run" ;;
    anvil) BENCH_JAVA_OPTS="$opts" BUILD_ROOT=1 with_build "$build" launch_server_on "$build-$run" "$ANVIL_URL" ;;
  esac
  until ready; do
    kill -0 "$SERVER_PID" 2>/dev/null || exited "the server"
    [ $(($(now_ms) - start)) -lt 60000 ] || die "not ready within 60 s; see $LOGFILE"
    sleep 0.01
  done
  ready_ms=$(($(now_ms) - start))
  # under dyt the JVM is the launcher's child (exec: the same PID)
  threads="$(thread_cpu_ms "$SERVER_PID")"
  cpu_ms="$(awk -v s="$(cpu_seconds "$SERVER_PID")" 'BEGIN { printf "%.0f", 1000 * s }')"
  sleep 3
  jit_later="$(thread_cpu_ms "$SERVER_PID" | awk '{ print $2 + $3 }')"
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  printf '%5s %-6s %9s %9s %8s %6s %6s %6s %6s %12s %12s\n' "$run" "$build" "$ready_ms" "$cpu_ms" $threads \
    "$jit_later" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$ROWS"
}

echo "== startup A/B: $MODE, $ROUNDS rounds, fresh data directory each start =="
machine_info
ab_builds
[ "$A_OPTS" = "$BENCH_JAVA_OPTS" ] || echo "a's memory options: $A_OPTS"
[ "$B_OPTS" = "$BENCH_JAVA_OPTS" ] || echo "b's memory options: $B_OPTS"
[ "$MODE" != anvil ] || echo "node: anvil $ANVIL_VERSION --block-time 1 (started once, before the runs)"
echo "(ms; CPU: all threads until ready; main .. ended: per thread until ready; JIT +3s: C1 + C2 three seconds after ready)"
printf '%5s %-6s %9s %9s %8s %6s %6s %6s %6s %12s %12s\n' round build ready CPU main C1 C2 rest ended 'JIT +3s' 'load (1 min)'
ROWS="$WORK/rows"
ab_rounds "$ROUNDS" start_one
echo "medians:"
for t in a b; do
  # shellcheck disable=SC2046 # one median a column: ready CPU main C1 C2 rest ended 'JIT +3s'
  printf '%5s %-6s %9s %9s %8s %6s %6s %6s %6s %12s\n' "" "$t" \
    $(for c in $(seq 3 10); do awk -v t="$t" -v c="$c" '$2 == t { print $c }' "$ROWS" | median; done)
done
