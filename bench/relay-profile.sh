#!/usr/bin/env bash
# Where an uncached relayed call's CPU goes: this checkout's server with RPC_CACHE_MAX_BYTES=0 in
# front of one anvil, beside nginx as a plain proxy to the same anvil, on each workload and
# connection count: requests/s, p50, CPU per call of the server and of nginx (its master and
# workers), the floor (GET /healthz on the same server: its HTTP edge alone), the server's CPU per call by thread (carriers, the JDK's delay scheduler, pollers, GC,
# JIT compilers, ...), and its system calls and context switches per call (perf stat). Then, per
# workload and connection count, a JFR recording (CPU-time samples) and a perf recording of the same
# load, with the first lines of `jfr view hot-methods` and of `perf report --sort dso` (the kernel's
# share against the JVM's and the JIT-compiled code's; JFR over-counts native frames, perf does not).
# The recordings stay in the kept directory (KEEP=1) for `jfr print` / `perf report`.
#   bench/relay-profile.sh   (RELAY_SECONDS=6 RELAY_CONNECTIONS="16 64" RELAY_WORKLOADS="blockNumber mix" RELAY_WARMUP_SECONDS=10 RELAY_SERVER_ARGS=)
source "$(dirname "$0")/lib.sh"

SECONDS_EACH="${RELAY_SECONDS:-6}"
CONNECTIONS="${RELAY_CONNECTIONS:-16 64}"
WORKLOADS="${RELAY_WORKLOADS:-blockNumber mix}"
WARMUP="${RELAY_WARMUP_SECONDS:-10}"
# shellcheck disable=SC2206 # extra settings for the server, e.g. --MAX_CONCURRENCY=64
EXTRA=(${RELAY_SERVER_ARGS:-})

ensure_tools wrk curl jq nginx
command -v perf >/dev/null || apt_install linux-perf
ensure_anvil
ensure_server_built
start_anvil anvil
start_nginx "$ANVIL_URL"
prepare_relay_chain 20
launch_server_on nocache "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES=0 "${EXTRA[@]}"
PID_S="$SERVER_PID" URL_S="$SERVER_URL/api/rpc"
wait_ready
for w in $WORKLOADS; do
  BODIES="$WORK/$w.bodies" run_wrk 2 16 "$WARMUP" bodies.lua "$URL_S" >/dev/null
  BODIES="$WORK/$w.bodies" run_wrk 2 16 3 bodies.lua "$NGINX_URL" >/dev/null
done
JCMD="$(dirname "$JAVA")/jcmd" JFR="$(dirname "$JAVA")/jfr"

nginx_cpu_seconds() {
  local p total=0
  for p in "$NGINX_PID" $(pgrep -P "$NGINX_PID"); do
    total="$(awk -v t="$total" -v c="$(cpu_seconds "$p")" 'BEGIN { printf "%.2f", t + c }')"
  done
  echo "$total"
}
# CPU seconds by thread name (the JVM's names, from a thread dump: Linux keeps only 15 characters),
# threads of one kind together (ForkJoinPool-1-worker-1 and -2 as ForkJoinPool-1-worker)
threads_by_name() {
  "$JCMD" "$PID_S" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".* nid=\([0-9]*\) .*/\2 \1/p' | while read -r nid name; do
    [ -r "/proc/$PID_S/task/$nid/stat" ] || continue
    printf '%s\t%s\n' "$(sed -E 's/[-#]?[0-9]+$//' <<<"$name")" "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$PID_S/task/$nid/stat")"
  done | awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' | sort
}

echo "== relay profile: uncached (RPC_CACHE_MAX_BYTES=0${RELAY_SERVER_ARGS:+ $RELAY_SERVER_ARGS}), wrk -t2, ${SECONDS_EACH}s per cell =="
machine_info
for w in $WORKLOADS; do
  for c in $CONNECTIONS; do
    echo
    echo "-- $w, $c connections --"
    n0="$(nginx_cpu_seconds)"
    rn="$(BODIES="$WORK/$w.bodies" run_wrk 2 "$c" "$SECONDS_EACH" bodies.lua "$NGINX_URL")"
    n1="$(nginx_cpu_seconds)"
    printf 'nginx: %s req/s, p50 %s ms, nginx CPU %s us per call\n' "$(field rps "$rn")" "$(field p50_ms "$rn")" \
      "$(awk -v a="$n0" -v b="$n1" -v n="$(field requests "$rn")" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }')"
    threads_by_name >"$WORK/threads-before"
    s0="$(cpu_seconds "$PID_S")"
    perf stat -x, -e raw_syscalls:sys_enter,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,context-switches \
      -p "$PID_S" -o "$WORK/stat-$w-$c.csv" &
    perf_pid=$!
    r="$(BODIES="$WORK/$w.bodies" run_wrk 2 "$c" "$SECONDS_EACH" bodies.lua "$URL_S")"
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    s1="$(cpu_seconds "$PID_S")"
    threads_by_name >"$WORK/threads-after"
    n="$(field requests "$r")"
    printf 'ours:  %s req/s, p50 %s ms, server CPU %s us per call (load %s)\n' "$(field rps "$r")" "$(field p50_ms "$r")" \
      "$(awk -v a="$s0" -v b="$s1" -v n="$n" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }')" "$(cut -d' ' -f1 /proc/loadavg)"
    join -t$'\t' "$WORK/threads-before" "$WORK/threads-after" \
      | awk -F'\t' -v n="$n" -v tck="$(getconf CLK_TCK)" '{ d = $3 - $2; if (d > 0) printf "  thread %-32s %6.1f us per call\n", $1, 1e6 * d / tck / n }'
    awk -F, -v n="$n" '$1 ~ /^[0-9]+$/ { printf "  %-32s %6.2f per call\n", $3, $1 / n }' "$WORK/stat-$w-$c.csv"
  done
done

# the floor: the same server's HTTP edge alone (GET /healthz: no node call, no JSON), what a relayed call adds to
s0="$(cpu_seconds "$PID_S")"
r="$(run_wrk 2 16 "$SECONDS_EACH" get.lua "$SERVER_URL/healthz")"
echo
printf 'floor: GET /healthz at 16 connections, %s req/s, server CPU %s us per request (load %s)\n' "$(field rps "$r")" \
  "$(awk -v a="$s0" -v b="$(cpu_seconds "$PID_S")" -v n="$(field requests "$r")" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }')" "$(cut -d' ' -f1 /proc/loadavg)"

for w in $WORKLOADS; do
  for c in $CONNECTIONS; do
    log "recording $w at $c connections (JFR CPU-time samples and perf)"
    "$JCMD" "$PID_S" JFR.start name=p settings=profile "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" >/dev/null
    BODIES="$WORK/$w.bodies" run_wrk 2 "$c" "$SECONDS_EACH" bodies.lua "$URL_S" >/dev/null &
    wrk_pid=$!
    sleep 1
    perf record -F 499 -g -p "$PID_S" -o "$WORK/perf-$w-$c.data" -- sleep "$((SECONDS_EACH > 3 ? SECONDS_EACH - 2 : 1))" >/dev/null 2>&1 || true
    wait "$wrk_pid"
    "$JCMD" "$PID_S" JFR.dump name=p filename="$WORK/$w-$c.jfr" >/dev/null
    "$JCMD" "$PID_S" JFR.stop name=p >/dev/null
    echo
    echo "-- $w, $c connections: where the CPU goes (perf, by object; then JFR's hottest methods) --"
    perf report -i "$WORK/perf-$w-$c.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 6
    "$JFR" view --width 160 hot-methods "$WORK/$w-$c.jfr" | head -n 20
  done
done
