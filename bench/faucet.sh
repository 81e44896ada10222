#!/usr/bin/env bash
# Sustained faucet grants against a fresh anvil mining a block a second, quotas lifted, a distinct
# recipient and client IP per request: accepted grants/s, POST /api/faucet latency (time to
# transaction hash), time until the server has every grant confirmed, the server's CPU time and
# peak RSS. The load runs in consecutive slices so a rate that drifts as the ledger fills shows.
# Answers 200 (the node took the transaction) and 202 (signed and stored, the node had not taken it
# FAUCET_SEND_WAIT_MS after the request arrived: sent in the background) are counted apart, each with the server's own
# time to answer (the access log's durationMs); wrk's percentiles are over both.
# The grants and gap fillers are counted in the ledger, not from wrk's answers: wrk stops with up to one
# request per connection in flight, which the server still grants.
#   bench/faucet.sh   (FAUCET_SLICES=3 FAUCET_SLICE_SECONDS=5 FAUCET_MAX=15000 FAUCET_CONNECTIONS=16 FAUCET_PROFILE=0
#                      FAUCET_SERVER_ARGS="--FAUCET_SEND_WAIT_MS=50": more settings for the server
#                      FAUCET_STAGES=1: where each answer's time went, stage by stage, and the GC's pauses in the load
#                      FAUCET_RATE=500 FAUCET_RATE_SLICES=3: after the saturated slices, as many slices at that many
#                      grants/s offered over the same connections, reported apart; FAUCET_RATE=0: none
#                      FAUCET_NODE=dev: the server on its embedded dev chain instead of anvil, a diagnostic only:
#                      that chain takes a transaction without the stall anvil has while it mines a block, so the
#                      same run there shows the server's own share of the tail; the target's figure is anvil's)
#                      FAUCET_STORE=postgres: the ledger on PostgreSQL (a throwaway cluster of Debian's postgresql, as the
#                      drills start it) instead of SQLite; FAUCET_STORE=both: this script once per store, one after the
#                      other, each run whole (its own anvil, server and database), then their figures side by side;
#                      with FAUCET_BASELINE=<another checkout, built> both stores for that build too, the two builds
#                      alternating (a b, then b a in the next of FAUCET_STORE_ROUNDS=1 rounds)
#                      FAUCET_PG_STATEMENTS=1: on PostgreSQL, the statements the server ran per grant over the saturated
#                      slices and their confirmation (pg_stat_statements, loaded for it), and the most frequent ones)
# The saturated slices (each connection asks again as soon as it has its answer) measure capacity, and
# their p99 includes the queueing of running at it. The paced slices offer a fixed rate below capacity
# (bench/wrk/faucet.lua: each wrk thread sends on a fixed schedule, by whichever connection is free) and
# measure the time to the transaction hash at that rate: the target's "p99 <= 50 ms at 500 grants/s".
source "$(dirname "$0")/lib.sh"

SLICES="${FAUCET_SLICES:-3}"
SLICE_SECONDS="${FAUCET_SLICE_SECONDS:-5}"
MAX="${FAUCET_MAX:-15000}"
CONNECTIONS="${FAUCET_CONNECTIONS:-16}"
THREADS="${FAUCET_THREADS:-2}"
WARMUP_SECONDS="${FAUCET_WARMUP_SECONDS:-5}"
WARMUP_CONNECTIONS="${FAUCET_WARMUP_CONNECTIONS:-4}"
PROFILE="${FAUCET_PROFILE:-0}"
STAGES="${FAUCET_STAGES:-0}"
RATE="${FAUCET_RATE:-500}"
RATE_SLICES="${FAUCET_RATE_SLICES:-$SLICES}"
CONFIRM_LIMIT_S="${FAUCET_CONFIRM_LIMIT_SECONDS:-60}"
NODE="${FAUCET_NODE:-anvil}"
FAUCET_ADDRESS="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" # anvil account #0
STORE="${FAUCET_STORE:-sqlite}"
PG_STATEMENTS="${FAUCET_PG_STATEMENTS:-0}"
BUILD="${FAUCET_BUILD:-a}" # a: this checkout; b: FAUCET_BASELINE's (set by FAUCET_STORE=both for its runs)
case "$NODE" in anvil | dev) ;; *) die "FAUCET_NODE: anvil or dev, not $NODE" ;; esac
case "$STORE" in sqlite | postgres | both) ;; *) die "FAUCET_STORE: sqlite, postgres or both, not $STORE" ;; esac

if [ "$STORE" = both ]; then
  builds="a"
  if [ -n "${FAUCET_BASELINE:-}" ]; then ab_baseline FAUCET_BASELINE; builds="a b"; fi
  ensure_server_built
  runs=()
  for round in $(seq "${FAUCET_STORE_ROUNDS:-1}"); do
    order="$builds"
    [ $((round % 2)) = 1 ] || order="$(echo "$builds" | rev)"
    for store in sqlite postgres; do
      for build in $order; do
        log "round $round: build $build on $store"
        out="$WORK/run-$round-$build-$store.txt"
        FAUCET_STORE="$store" FAUCET_BUILD="$build" FAUCET_STORE_ROUND="$round" "$0" >"$out" || die "the $store run of build $build failed"
        cat "$out"
        echo
        runs+=("$out")
      done
    done
  done
  echo "== faucet on SQLite and PostgreSQL side by side, the runs above (one instance each, wrk -t$THREADS -c$CONNECTIONS, saturated) =="
  [ -z "${BASELINE:-}" ] || ab_builds
  printf '%-6s %-5s %-9s %9s %10s %10s %9s %12s %11s %12s
' round build store 'grants/s' 'server p50' 'server p99' '202 share'     'wrk worst p99' 'CPU ms/gr' 'load (1-min)'
  for out in "${runs[@]}"; do
    r="$(grep '^SUMMARY ' "$out")"
    printf '%-6s %-5s %-9s %9s %10s %10s %9s %12s %11s %12s
' "$(field round "$r")" "$(field build "$r")" "$(field store "$r")" \
      "$(field grants_per_s "$r")" "$(field p50_ms "$r") ms" "$(field p99_ms "$r") ms" "$(field share_202 "$r")%" \
      "$(field worst_wrk_p99_ms "$r") ms" "$(field cpu_ms_per_grant "$r")" "$(field load "$r")"
  done
  echo "(server p50 / p99: the access log's durationMs of every answer of the saturated slices, 200 and 202 pooled;"
  echo " 202 share: answered stored but not yet taken by the node, FAUCET_SEND_WAIT_MS after arrival)"
  exit 0
fi
[ "$BUILD" = a ] || ab_baseline FAUCET_BASELINE

ensure_tools wrk curl jq sqlite3
[ "$NODE" = dev ] || ensure_anvil
ensure_server_built

[ "$NODE" = dev ] || start_anvil anvil --block-time 1
STORE_ARGS=()
if [ "$STORE" = postgres ]; then
  start_postgres "$PG_STATEMENTS"
  STORE_ARGS=(--DATABASE_URL="$DATABASE_URL")
fi
# the server's per-grant stage timings (off in a server as shipped; they cost a few clock reads per grant)
[ "$STAGES" = 0 ] || BENCH_JAVA_OPTS="$BENCH_JAVA_OPTS -Ddytallix.grantTimings=true"
# A tiny drip keeps anvil's 10,000 ETH enough for any number of grants this run can make; the
# X-Forwarded-For the load sends is believed because loopback is the trusted proxy.
# shellcheck disable=SC2206 # FAUCET_SERVER_ARGS: more settings, split on spaces
FAUCET_ARGS=(--FAUCET_DRIP_AMOUNT=0.001 --FAUCET_MIN_BALANCE=1 --TRUSTED_PROXIES=127.0.0.1 "${STORE_ARGS[@]}" ${FAUCET_SERVER_ARGS:-})
if [ "$NODE" = dev ]; then
  # the embedded dev chain (no RPC_URL): its own faucet key, funded with 1,000,000 DYT, a block a second
  with_build "$BUILD" launch_server faucet --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" --DEV_BLOCK_TIME_MS=1000 "${FAUCET_ARGS[@]}"
else
  with_build "$BUILD" launch_server_on faucet "$ANVIL_URL" "${FAUCET_ARGS[@]}"
fi
wait_ready

admin_get() { curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" "$SERVER_URL/api/admin/$1"; }
unfinished() { admin_get state | jq '[.unfinishedGrants[]] | add'; }
# polls until the server reports no unfinished grant; prints the milliseconds it took
await_settled() {
  local start
  start="$(now_ms)"
  while [ "$(unfinished)" != 0 ]; do
    if [ $(($(now_ms) - start)) -ge $((CONFIRM_LIMIT_S * 1000)) ]; then
      echo "more than $((CONFIRM_LIMIT_S * 1000))"
      return 0
    fi
    sleep 0.1
  done
  echo $(($(now_ms) - start))
}
# CPU seconds of the JVM's JIT compiler threads so far: compiling the grant path is a cost of the
# process's first minutes, not of each grant, so it is shown apart (a compiler thread that ended
# meanwhile takes its share with it: a lower bound)
jit_cpu_seconds() { threads_cpu_seconds "$1" 'C1 Compiler' 'C2 Compiler'; }
granted() { echo $(($(field status_200 "$1") + $(field status_202 "$1") + 0)); }
# every call the server made to the node so far (reads and sends, all outcomes)
node_calls() { curl -sf -m 5 "$SERVER_URL/metrics" | awk '/^dytallix_upstream_requests_total/ { n += $NF } END { printf "%d", n }'; }

# The JVM compiles the grant path in its first hundreds of requests: not part of the figures.
log "warm-up: ${WARMUP_SECONDS}s at ${WARMUP_CONNECTIONS} connections"
W="$(FAUCET_RATE=0 FAUCET_MAX=100000 FAUCET_TAG=1 run_wrk "$THREADS" "$WARMUP_CONNECTIONS" "$WARMUP_SECONDS" faucet.lua "$SERVER_URL/api/faucet")"
await_settled >/dev/null

declare -a S
JCMD="$(dirname "$JAVA")/jcmd" JFR="$(dirname "$JAVA")/jfr"
# compiled_methods: how many methods the server's JIT has compiled so far
compiled_methods() { "$(dirname "$JAVA")/jstat" -compiler "$SERVER_PID" | awk 'NR == 2 { print $1 }'; }
# spent BEFORE AFTER: the seconds between two readings of a CPU clock
spent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
if [ "$STAGES" = 1 ]; then
  # the GC's pauses and every safepoint of the load, logged by the running JVM into a file of its own
  "$JCMD" "$SERVER_PID" VM.log output="file=$WORK/gc.log" what=gc,safepoint decorators=uptime >/dev/null
fi
if [ "$PROFILE" = 1 ]; then
  "$JCMD" "$SERVER_PID" JFR.start name=faucet settings=profile "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" >/dev/null
fi
SERVER_LOG="$SERVER_DIR/server.log"
log_before="$(lines "$SERVER_LOG")"
cpu_before="$(cpu_seconds "$SERVER_PID")"
jit_before="$(jit_cpu_seconds "$SERVER_PID")"
compiled_before="$(compiled_methods)"
calls_before="$(node_calls)"
COUNT_STATEMENTS=0
[ "$STORE" != postgres ] || [ "$PG_STATEMENTS" = 0 ] || { COUNT_STATEMENTS=1; pg_statements_reset; }
for ((i = 1; i <= SLICES; i++)); do
  log "slice $i/$SLICES: ${SLICE_SECONDS}s, $CONNECTIONS connections"
  S[$i]="$(FAUCET_RATE=0 FAUCET_MAX=$((MAX / SLICES)) FAUCET_TAG=$((i + 1)) run_wrk "$THREADS" "$CONNECTIONS" "$SLICE_SECONDS" \
    faucet.lua "$SERVER_URL/api/faucet")"
done
cpu_load="$(spent "$cpu_before" "$(cpu_seconds "$SERVER_PID")")"
jit_load="$(spent "$jit_before" "$(jit_cpu_seconds "$SERVER_PID")")"
compiled_load="$(($(compiled_methods) - compiled_before))"
sleep 1.1 # the access log's last batch, the timings' last second
log_after="$(lines "$SERVER_LOG")"
[ "$STAGES" = 0 ] || "$JCMD" "$SERVER_PID" VM.log disable >/dev/null
if [ "$PROFILE" = 1 ]; then
  "$JCMD" "$SERVER_PID" JFR.dump name=faucet filename="$WORK/faucet.jfr" >/dev/null
  "$JCMD" "$SERVER_PID" JFR.stop name=faucet >/dev/null
fi
settle_ms="$(await_settled)"
cpu_total="$(spent "$cpu_before" "$(cpu_seconds "$SERVER_PID")")"
calls="$(($(node_calls) - calls_before))"
[ "$COUNT_STATEMENTS" = 0 ] || { statements="$(pg_statements dytallix)"; pg_statements_top dytallix 12 >"$WORK/statements.txt"; }

failed="$(admin_get 'grants?status=failed&limit=1000' | jq .count)"
if [ "$NODE" = dev ]; then
  # the dev chain's faucet key is its own: its address is in the ledger, its chain behind the relay
  FAUCET_ADDRESS="$(ledger "SELECT from_address FROM faucet_grants WHERE from_address IS NOT NULL LIMIT 1")"
  NODE_URL="$SERVER_URL/api/rpc"
else
  NODE_URL="$ANVIL_URL"
fi
on_chain="$(($(rpc_call "$NODE_URL" eth_getTransactionCount "[\"$FAUCET_ADDRESS\",\"latest\"]" | jq -r .result)))"
paid="$(ledger "SELECT COUNT(*) FROM faucet_grants WHERE nonce IS NOT NULL")"
fillers="$(ledger "SELECT COUNT(*) FROM internal_transfers WHERE kind = 'gap_filler'")"

# The paced slices, once the saturated ones are settled and counted: the same connections, a fixed rate offered
declare -a P
if [ "$RATE" != 0 ]; then
  [ "$STAGES" = 0 ] || "$JCMD" "$SERVER_PID" VM.log output="file=$WORK/gc-paced.log" what=gc,safepoint decorators=uptime >/dev/null
  paced_log_before="$(lines "$SERVER_LOG")"
  paced_cpu_before="$(cpu_seconds "$SERVER_PID")"
  paced_jit_before="$(jit_cpu_seconds "$SERVER_PID")"
  for ((i = 1; i <= RATE_SLICES; i++)); do
    log "paced slice $i/$RATE_SLICES: ${SLICE_SECONDS}s, $CONNECTIONS connections, $RATE grants/s offered"
    P[$i]="$(FAUCET_RATE="$RATE" FAUCET_MAX=$((MAX / SLICES)) FAUCET_TAG=$((SLICES + 1 + i)) run_wrk "$THREADS" "$CONNECTIONS" \
      "$SLICE_SECONDS" faucet.lua "$SERVER_URL/api/faucet")"
  done
  paced_cpu="$(spent "$paced_cpu_before" "$(cpu_seconds "$SERVER_PID")")"
  paced_jit="$(spent "$paced_jit_before" "$(jit_cpu_seconds "$SERVER_PID")")"
  sleep 1.1
  paced_log_after="$(lines "$SERVER_LOG")"
  [ "$STAGES" = 0 ] || "$JCMD" "$SERVER_PID" VM.log disable >/dev/null
  paced_settle_ms="$(await_settled)"
  paced_failed="$(($(admin_get 'grants?status=failed&limit=1000' | jq .count) - failed))"
fi

echo "== faucet: sustained grants, wrk -t$THREADS -c$CONNECTIONS, $SLICES slices of ${SLICE_SECONDS}s (at most $MAX requests) =="
machine_info
[ "$BUILD" = a ] || echo "build:   $BASELINE ($(git -C "$BASELINE" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout')), FAUCET_BASELINE's"
if [ "$STORE" = postgres ]; then
  echo "store: PostgreSQL, $("$PG_BIN/postgres" --version | sed 's/^postgres //') (a throwaway cluster on this machine, its defaults)"
else
  echo "store: SQLite (the server's data directory)"
fi
if [ "$NODE" = dev ]; then
  echo "node: the embedded dev chain (FAUCET_NODE=dev, a diagnostic: no mining stall), a block a second; quotas lifted;"
  echo "      distinct recipient and client IP per request;"
else
  echo "node: anvil $ANVIL_VERSION --block-time 1; quotas lifted; distinct recipient and client IP per request;"
fi
echo "      ${WARMUP_SECONDS}s of warm-up grants at ${WARMUP_CONNECTIONS} connections first ($(granted "$W") grants, not counted)"
echo
# slice_server_times FROM TO TAG: "count p50 p99" of the server's own time to answer (the access log's durationMs,
# 200 and 202 pooled) of one slice's requests among the server log's lines FROM+1..TO: wrk/faucet.lua sends a slice's
# requests from 10.<TAG * 16 + wrk thread>.x.y, so its lines are told apart by their client, not by where a batch of the
# access log happened to land
slice_server_times() {
  sed -n "$(($1 + 1)),${2}p" "$SERVER_LOG" | grep -E '"message":"POST /api/faucet 20[02]"' |
    awk -v tag="$3" 'match($0, /"clientIp":"10\.[0-9]+\./) { split(substr($0, RSTART + 15, RLENGTH - 15), o, ".");
      if (int(o[1] / 16) == tag % 16 && match($0, /"durationMs":[0-9.]+/)) print substr($0, RSTART + 13, RLENGTH - 13) }' | percentiles
}
# slice_table NAME COUNT FIRST-TAG LOG-FROM LOG-TO: the slices ${NAME[1..COUNT]}, one a line, wrk's p50 / p90 / p99 (corrected
# for coordinated omission, bench/README.md) and beside them the server's own p99 of the slice's answers (slice i was sent
# with FAUCET_TAG=FIRST-TAG+i-1); sets total, seconds, worst_p99, worst_server_p99
slice_table() {
  local -n runs="$1"
  local i r g other errors own
  printf '%-6s %9s %9s %9s %9s %9s %9s %11s %s\n' slice answered granted 'grants/s' 'p50 ms' 'p90 ms' 'p99 ms' 'server p99' 'other answers'
  total=0 seconds=0 worst_p99=0 worst_server_p99=0
  for ((i = 1; i <= $2; i++)); do
    r="${runs[$i]}" g="$(granted "${runs[$i]}")"
    other="$(grep -o 'status_[0-9]*=[0-9]*' <<<"$r" | grep -v -e status_200 -e status_202 | tr '\n' ' ' || true)"
    errors="$(field socket_errors "$r")"
    [ "$errors" = 0 ] || other="$other socket_errors=$errors"
    own="$(slice_server_times "$4" "$5" $(($3 + i - 1)) | cut -d' ' -f3)"
    printf '%-6s %9s %9s %9s %9s %9s %9s %11s %s\n' "$i" "$(field requests "$r")" "$g" \
      "$(awk -v n="$g" -v d="$(field duration_s "$r")" 'BEGIN { printf "%.1f", n / d }')" \
      "$(field p50_ms "$r")" "$(field p90_ms "$r")" "$(field p99_ms "$r")" "$own" "${other:--}"
    total=$((total + g))
    seconds="$(awk -v a="$seconds" -v b="$(field duration_s "$r")" 'BEGIN { print a + b }')"
    worst_p99="$(awk -v a="$worst_p99" -v b="$(field p99_ms "$r")" 'BEGIN { print (b > a ? b : a) }')"
    worst_server_p99="$(awk -v a="$worst_server_p99" -v b="$own" 'BEGIN { print (b + 0 > a ? b + 0 : a) }')"
    [ "$(field requests "$r")" -lt $((MAX / SLICES)) ] || echo "       (slice $i hit its request cap before its time was up: its rate is a lower bound)"
  done
  echo "(p50 / p90 / p99: wrk's, corrected for coordinated omission, which counts a stall of the whole server once per answer a"
  echo " client at the slice's rate would have waited for; server p99: the server's own time to answer, ms, 200s and 202s)"
}
# rows LABEL VALUE...: the totals' lines, a label and its value each
rows() { printf '%-44s %s\n' "$@"; }
# answer_rows RATE_NOTE LOG_BEFORE LOG_AFTER: the slices slice_table just counted (total, seconds, worst_p99), and
# the 200 and 202 answers among those server log lines, each with the server's p50 / p99
answer_rows() {
  rows "granted / seconds / grants per second" "$total / ${seconds}s / $(awk -v n="$total" -v d="$seconds" 'BEGIN { printf "%.1f", n / d }')$1" \
    "worst slice p99 time to txHash, wrk / server" "$worst_p99 ms (corrected for coordinated omission) / $worst_server_p99 ms (the access log's)" \
    "answered 200 (sent): count, server p50 / p99" "$(answer_times "$SERVER_LOG" "$2" "$3" 200 | awk '{ printf "%s, %s / %s ms", $1, $2, $3 }')" \
    "answered 202 (stored, being sent): the same" "$(answer_times "$SERVER_LOG" "$2" "$3" 202 | awk '{ printf "%s, %s / %s ms", $1, $2, $3 }')"
}
# cpu_rows CPU_S JIT_S JIT_NOTE: the server's CPU over the slices slice_table just counted (total, seconds), the JIT's share apart
cpu_rows() {
  rows "server CPU during the load" "$1 s = $(awk -v c="$1" -v d="$seconds" 'BEGIN { printf "%.0f", 100 * c / d }')% of one core, $(awk -v c="$1" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", 1000 * c / n; else print "n/a" }') ms per grant" \
    "  of it the JIT compiler threads" "$2 s$3; the rest $(awk -v c="$1" -v j="$2" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", 1000 * (c - j) / n; else print "n/a" }') ms per grant"
}
slice_table S "$SLICES" 2 "$log_before" "$log_after"
echo
answer_rows "" "$log_before" "$log_after"
rows "all confirmed, counted from the end of load" "$settle_ms ms (the server reports no unfinished grant)" \
  "failed grants (whole run, counted up to 1000)" "$failed" \
  "faucet transactions mined" "$on_chain: $paid grants in the ledger + $fillers gap fillers (warm-up included; $(($(granted "$W") + total)) answered)"
cpu_rows "$cpu_load" "$jit_load" " ($compiled_load methods compiled meanwhile, jstat -compiler)"
rows "server CPU, load and confirmation" "$cpu_total s" \
  "node calls, load and confirmation" "$calls = $(awk -v c="$calls" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", c / n; else print "n/a" }') per grant" \
  "server peak RSS (VmHWM, whole life)" "$(peak_rss_mb "$SERVER_PID") MB"
if [ "$COUNT_STATEMENTS" = 1 ]; then
  rows "PostgreSQL statements, load and confirmation" "$statements = $(awk -v c="$statements" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", c / n; else print "n/a" }') per grant (pg_stat_statements, BEGIN included, the driver's commits not)"
  awk -v n="$total" '{ c = $1; $1 = ""; printf "  %7.3f per grant %s\n", (n > 0 ? c / n : 0), $0 }' "$WORK/statements.txt"
fi
echo "targets: >= 500 grants/s sustained, p99 time to txHash <= 50 ms, <= 1.5 ms of server CPU per grant, peak RSS <= 200 MB"
# one line for FAUCET_STORE=both's table: the saturated slices' figures
pooled="$( (answer_durations "$SERVER_LOG" "$log_before" "$log_after" 200; answer_durations "$SERVER_LOG" "$log_before" "$log_after" 202) | percentiles)"
n202="$(answer_times "$SERVER_LOG" "$log_before" "$log_after" 202 | cut -d' ' -f1)"
echo "SUMMARY round=${FAUCET_STORE_ROUND:-1} build=$BUILD store=$STORE grants_per_s=$(awk -v n="$total" -v d="$seconds" 'BEGIN { printf "%.1f", n / d }')" \
  "p50_ms=$(cut -d' ' -f2 <<<"$pooled") p99_ms=$(cut -d' ' -f3 <<<"$pooled")" \
  "share_202=$(awk -v a="$n202" -v n="$(cut -d' ' -f1 <<<"$pooled")" 'BEGIN { if (n > 0) printf "%.0f", 100 * a / n; else print "-" }')" \
  "worst_wrk_p99_ms=$worst_p99 cpu_ms_per_grant=$(awk -v c="$cpu_load" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", 1000 * c / n; else print "n/a" }')" \
  "load=$(cut -d' ' -f1 /proc/loadavg)" \
  "statements_per_grant=$([ "$COUNT_STATEMENTS" = 1 ] && awk -v c="$statements" -v n="$total" 'BEGIN { if (n > 0) printf "%.2f", c / n; else print "-" }' || echo -)"

# stage_split FROM TO GCLOG: where the answers of the server log's lines FROM+1..TO spent their time, and the pauses in GCLOG
stage_split() {
  echo
  echo "-- where the answers' time went (the server's own clock, from the start of the request's faucet work), ms --"
  sed -n "$(($1 + 1)),${2}p" "$SERVER_LOG" | grep '"grant timings' | jq -r .message | sed 's/^[^]]*] //' |
    tr ';' '\n' | grep , | awk -F, -v dir="$WORK" '
      # fields (µs): reserved queued stored sent submitted paid answered, then the signing batch: signing, its write, its size
      function ms(x) { return x / 1000 }
      {
        answer = ($4 > 0 && $6 >= $4) ? "200" : "202"
        printf "%s %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %d\n", answer, ms($7), ms($1), ms($3 - $2), ms($8), ms($9),
          ($4 > 0 && $6 >= $4 ? ms($4 - $3) : -1), ($4 > 0 && $6 >= $4 ? ms($6 - $4) : -1), ms($7 - $6), $10
      }' >"$WORK/stages.txt"
  local n answer name col stats tails
  local names="total reservation signing-batch-wait of-it-signing of-it-write send(node) back-to-request answer-rest batch-size"
  for answer in 200 202; do
    n="$(awk -v a="$answer" '$1 == a' "$WORK/stages.txt" | wc -l)"
    [ "$n" -gt 0 ] || continue
    echo "answers $answer: $n (a stage not reached before the answer is left out of its column)"
    printf '  %-20s %8s %8s %8s %8s %12s %12s\n' stage p50 p90 p99 max 'slowest 10%' 'slowest 1%'
    # the slowest answers by total, and each stage's mean over them
    awk -v a="$answer" '$1 == a' "$WORK/stages.txt" | sort -k2,2 -g -r >"$WORK/stages-$answer.txt"
    col=2
    for name in $names; do
      stats="$(awk -v c="$col" '$c >= 0 { print $c }' "$WORK/stages-$answer.txt" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- - - -"; exit }
        i50 = int(NR * 0.5) + 1; i90 = int(NR * 0.9) + 1; i99 = int(NR * 0.99) + 1
        if (i90 > NR) i90 = NR; if (i99 > NR) i99 = NR
        printf "%.1f %.1f %.1f %.1f", v[i50], v[i90], v[i99], v[NR] }')"
      tails="$(awk -v c="$col" -v n="$n" 'NR <= (n / 10 > 1 ? n / 10 : 1) && $c >= 0 { s10 += $c; k10++ }
        NR <= (n / 100 > 1 ? n / 100 : 1) && $c >= 0 { s1 += $c; k1++ }
        END { printf "%.1f %.1f", (k10 ? s10 / k10 : -1), (k1 ? s1 / k1 : -1) }' "$WORK/stages-$answer.txt")"
      # shellcheck disable=SC2086 # four and two numbers
      printf '  %-20s %8s %8s %8s %8s %12s %12s\n' "$name" $stats $tails
      col=$((col + 1))
    done
  done
  echo "(reservation: its group write, the queue for it included; signing-batch-wait: from the queue for the nonce lock to its"
  echo " grant stored, its own batch's signing and write included; send(node): until the node took it; back-to-request: from"
  echo " then until the request's thread has it; answer-rest: the fingerprint and the rest of the faucet work. The answer's JSON"
  echo " and its write to the socket, after these, are in the access log's figures above)"
  echo
  echo "-- the JVM's pauses during the load (jcmd VM.log: gc, safepoint) --"
  awk '/Pause/ { n++; t = $NF; sub(/ms$/, "", t); s += t; if (t + 0 > m) m = t + 0 }
    /Safepoint "/ { for (i = 1; i <= NF; i++) if ($i == "Total:") { sp++; ns = $(i + 1); ss += ns; if (ns + 0 > sm) sm = ns + 0 } }
    END { printf "GC pauses: %d, %.1f ms in all, longest %.1f ms; safepoints: %d, %.1f ms in all, longest %.1f ms\n", n, s, m, sp, ss / 1e6, sm / 1e6 }' "$3"
}

if [ "$STAGES" = 1 ]; then
  stage_split "$log_before" "$log_after" "$WORK/gc.log"
fi

if [ "$RATE" != 0 ]; then
  echo
  echo "== the same server, paced: $RATE grants/s offered over $CONNECTIONS connections (wrk -t$THREADS), $RATE_SLICES slices of ${SLICE_SECONDS}s =="
  slice_table P "$RATE_SLICES" $((SLICES + 2)) "$paced_log_before" "$paced_log_after"
  echo
  answer_rows " ($RATE offered)" "$paced_log_before" "$paced_log_after"
  rows "all confirmed, counted from the end of load" "$paced_settle_ms ms" \
    "failed grants (these slices)" "$paced_failed"
  cpu_rows "$paced_cpu" "$paced_jit" ""
  echo "(wrk's latency runs from each request's write: a request that found no free connection at its slot went late, and"
  echo " that lateness is not in it. Below the server's capacity every connection is free at almost every slot; the rate a"
  echo " slice reached says how close it came to the offer)"
  [ "$STAGES" = 0 ] || stage_split "$paced_log_before" "$paced_log_after" "$WORK/gc-paced.log"
fi

if [ "$PROFILE" = 1 ]; then
  echo
  echo "-- where the server spends its CPU during the load (JFR execution samples, top frames) --"
  "$JFR" view --width 160 hot-methods "$WORK/faucet.jfr" | head -n 30
  echo "(the recording is $WORK/faucet.jfr while the directory is kept: KEEP=1)"
fi
