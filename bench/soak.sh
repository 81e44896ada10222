#!/usr/bin/env bash
# A long mixed load on the server as shipped (its JVM options and environment, as bench/faucet.sh runs it)
# in front of anvil mining a block a second, to tell a leak from garbage: is what the heap holds after a
# full collection (the live set) flat over the run, and where does the resident memory end up?
#   bench/soak.sh   (SOAK_SECONDS=600 SOAK_SAMPLE_SECONDS=30 SOAK_LIVE_SECONDS=60 SOAK_WARMUP_SECONDS=30
#                    SOAK_GRANT_RATE=300 SOAK_MIX_CONNECTIONS=4 SOAK_DELAY_MS=5 SOAK_WS_PER_SECOND=5
#                    SOAK_SERVER_ARGS="--X=y": more settings for the server; BENCH_JAVA_OPTS: other memory options;
#                    SOAK_NMT=1: the server with -XX:NativeMemoryTracking=summary and each compilation's memory
#                    recorded (-XX:CompileCommand=MemStat,*.*,collect), and at the end the JVM's native memory by
#                    part at the peak, at the last row and at the end, each part's malloc and arena peak, the
#                    compilations that took the most, and the change over the load against a baseline taken after
#                    the warm-up)
# The load, all at once for SOAK_SECONDS after a warm-up of SOAK_WARMUP_SECONDS:
#   - grants to distinct recipients from distinct clients, paced at SOAK_GRANT_RATE grants/s offered
#     (wrk/faucet.lua), well below the faucet's capacity, so that it can be sustained for as long as the run;
#   - the hostile and reading mix of wrk/soak.lua on SOAK_MIX_CONNECTIONS connections, each waiting
#     SOAK_DELAY_MS between an answer and its next request: relayed dapp reads, made-up JSON-RPC methods,
#     refused faucet requests (bad checksums, the one recipient already paid) each with a new
#     Idempotency-Key, status, paths nobody routes; every request from a new client IP (X-Forwarded-For,
#     loopback trusted as the proxy);
#   - SOAK_WS_PER_SECOND WebSocket connections a second, each from a new client IP: upgrade, eth_subscribe
#     newHeads, close (0: none).
# Every SOAK_SAMPLE_SECONDS it prints the server's RSS and peak RSS (VmRSS, VmHWM), its threads and file
# descriptors, the heap committed and used, the old generation's use and capacity and the collections so far
# (jstat -gc); every SOAK_LIVE_SECONDS (0: only at the start and the end) it also takes a class histogram
# (jcmd GC.class_histogram, which runs a full collection first) and prints the live set: the histogram's
# total, less the filler arrays the collector leaves in place of dead objects. A full collection every minute keeps the old generation from creeping to its cap, so the natural
# peak of a long load is the run with SOAK_LIVE_SECONDS=0. At the end: the live set's change from the
# first histogram to the last (a leak grows it without bound; garbage does not), the classes that grew
# most between them, the answers of each kind, and that every grant was confirmed (exit 1 when one was not). Every half second it also
# notes the resident memory (/proc: VmRSS, VmHWM, RssAnon, RssFile), so that the end can say when the peak was
# reached, what kind of memory it was (anonymous: heap, the JIT's arenas, malloc; file: the AOT cache and the
# libraries), how far above the load's median RSS it stood and what the GC log says around that moment; and the
# JVM's periodic native heap trims over the load (-Xlog:trimnative): what each handed back to the system, what
# each took, and the trims just before and after the peak.
source "$(dirname "$0")/lib.sh"

DURATION="${SOAK_SECONDS:-600}"
SAMPLE="${SOAK_SAMPLE_SECONDS:-30}"
LIVE="${SOAK_LIVE_SECONDS:-60}"
WARMUP="${SOAK_WARMUP_SECONDS:-30}"
GRANT_RATE="${SOAK_GRANT_RATE:-300}"
MIX_CONNECTIONS="${SOAK_MIX_CONNECTIONS:-4}"
WS_RATE="${SOAK_WS_PER_SECOND:-5}"
PAID="0x00000000000000000000000000000000000000aa"

NMT="${SOAK_NMT:-0}"

ensure_tools wrk curl jq sqlite3 python3
ensure_anvil
ensure_server_built
JCMD="$(dirname "$JAVA")/jcmd" JSTAT="$(dirname "$JAVA")/jstat"

start_anvil anvil --block-time 1
# with NMT, also each compilation's memory (jcmd Compiler.memory at the end: the largest ones)
[ "$NMT" = 0 ] || BENCH_JAVA_OPTS="$BENCH_JAVA_OPTS -XX:NativeMemoryTracking=summary -XX:CompileCommand=MemStat,*.*,collect"
prepare_relay_chain 20
# One grant per recipient a day, so the paid recipient is refused; everything else lifted (lib.sh).
# shellcheck disable=SC2206 # SOAK_SERVER_ARGS: more settings, split on spaces
launch_server_on soak "$ANVIL_URL" --FAUCET_DRIP_AMOUNT=0.001 --FAUCET_MIN_BALANCE=1 --TRUSTED_PROXIES=127.0.0.1 \
  --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 ${SOAK_SERVER_ARGS:-}
wait_ready
curl -sf -m 10 -X POST "$SERVER_URL/api/faucet" -H 'Content-Type: application/json' \
  -H 'X-Forwarded-For: 192.0.2.1' -d "{\"address\":\"$PAID\"}" >/dev/null || die "the first grant failed"
PORT="${SERVER_URL##*:}"

# ws_churn SECONDS: WebSocket connections at WS_RATE a second, each from a new client; prints a RESULT line
ws_churn() {
  python3 - "$PORT" "$1" "$WS_RATE" <<'PY'
import base64, os, socket, sys, time
port, seconds, rate = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
ok = refused = failed = 0
end = time.monotonic() + seconds
n = 0
def frame(payload, opcode):
    mask = os.urandom(4)
    data = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(data)]) + mask + data
while time.monotonic() < end:
    n += 1
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall(("GET /api/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                       f"X-Forwarded-For: 203.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}\r\n\r\n").encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
            if not head.startswith(b"HTTP/1.1 101"):
                refused += 1
                continue
            s.sendall(frame(b'{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}', 1))
            answer = head.split(b"\r\n\r\n", 1)[1]
            while len(answer) < 2 or len(answer) < 2 + (answer[1] & 0x7f):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            s.sendall(frame(b"\x03\xe8", 8))
            ok += 1 if b'"result"' in answer else 0
            failed += 0 if b'"result"' in answer else 1
    except OSError:
        failed += 1
    time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
print(f"RESULT ws_subscribed={ok} ws_refused={refused} ws_failed={failed}")
PY
}

# the figures of one moment: "rss hwm threads fds heap_committed heap_used old_used old_capacity young_gcs full_gcs"
# (memory in MB)
sample() {
  local rss hwm threads fds gc
  rss="$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")"
  hwm="$(peak_rss_mb "$SERVER_PID")"
  threads="$(awk '/^Threads/ { print $2 }' "/proc/$SERVER_PID/status")"
  fds="$(find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  gc="$("$JSTAT" -gc "$SERVER_PID" | awk '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { printf "%.1f %.1f %.1f %.1f %d %d", ($col["S0C"] + $col["S1C"] + $col["EC"] + $col["OC"]) / 1024,
        ($col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]) / 1024, $col["OU"] / 1024, $col["OC"] / 1024,
        $col["YGC"], $col["FGC"] }')"
  echo "$rss $hwm $threads $fds $gc"
}
# live N: takes histogram N (a full collection first); prints the live set in MB
live() {
  "$JCMD" "$SERVER_PID" GC.class_histogram >"$WORK/histogram-$1.txt"
  # without the filler arrays: dead space the serial collector's compaction leaves in place (MarkSweepDeadRatio), not data
  awk '$4 == "[Ljdk.internal.vm.FillerElement;" { filler = $3 } /^Total/ { printf "%.1f", ($3 - filler) / 1048576 }' "$WORK/histogram-$1.txt"
}
granted() { ledger "SELECT COUNT(*) FROM faucet_grants WHERE nonce IS NOT NULL"; }
# nmt FILE: the JVM's native memory by part now (jcmd VM.native_memory summary, in KB)
nmt() { "$JCMD" "$SERVER_PID" VM.native_memory summary scale=KB >"$1.tmp" 2>/dev/null && mv "$1.tmp" "$1"; }
# watch_rss: every half second, the server's memory by kind from /proc (MB): "uptime VmRSS VmHWM RssAnon RssFile
# RssShmem" in $WORK/trace (uptime in s, to find the GC log's lines of a moment). With SOAK_NMT=1 also NMT's
# summary each time the peak has risen by 2 MB or more since the last one (at most one every 5 s): the last one
# kept, nmt-peak.txt, is what the JVM held a moment after the peak was reached (a jcmd takes ~0.5 s to attach).
watch_rss() {
  local start_ticks tck last=0 last_at=-10 now line hwm
  start_ticks="$(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$SERVER_PID/stat")" tck="$(getconf CLK_TCK)"
  while line="$(awk '/^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):/ { v[$1] = int($2 / 1024 + 0.5) }
      END { print v["VmRSS:"], v["VmHWM:"], v["RssAnon:"], v["RssFile:"], v["RssShmem:"] }' "/proc/$SERVER_PID/status" 2>/dev/null)"; do
    now="$(awk -v s="$start_ticks" -v t="$tck" '{ printf "%.1f", $1 - s / t }' /proc/uptime)"
    echo "$now $line" >>"$WORK/trace"
    hwm="$(echo "$line" | cut -d' ' -f2)"
    if [ "$NMT" = 1 ] && [ "$hwm" -ge $((last + 2)) ] && [ $((SECONDS - last_at)) -ge 5 ]; then
      last="$hwm" last_at=$SECONDS
      nmt "$WORK/nmt-peak.txt" && echo "$now $line" >"$WORK/nmt-peak.at"
    fi
    sleep 0.5
  done
}
# nmt_parts FILE: "part committed malloc-and-arena-peak" per part of an NMT summary (MB; the peak is the sum of
# the part's malloc and arena peaks over the process's life, each at its own moment: an upper bound)
nmt_parts() {
  awk 'function kb(s, key) { return match(s, key "=[0-9]+KB") ? substr(s, RSTART + length(key) + 1, RLENGTH - length(key) - 3) / 1024 : 0 }
    /^Total: / { printf "Total %.1f -\n", kb($0, "committed") }
    /^-  *[A-Za-z].*\(reserved=/ { name = $0; sub(/^- */, "", name); sub(/ *\(reserved=.*/, "", name); gsub(/ /, "_", name)
      order[++n] = name; c[name] = kb($0, "committed") }
    /^ *\((malloc|arena)=/ && n { now = kb($0, $0 ~ /\(malloc=/ ? "malloc" : "arena"); pk = kb($0, "peak"); p[name] += pk > now ? pk : now }
    END { for (i = 1; i <= n; i++) printf "%s %.1f %.1f\n", order[i], c[order[i]], p[order[i]] }' "$1"
}

watch_rss &
log "warm-up: ${WARMUP}s of the whole load"
BODIES="$WORK/mix.bodies" SOAK_PAID_ADDRESS="$PAID" SOAK_DELAY_MS="${SOAK_DELAY_MS:-5}" \
  run_wrk 2 "$MIX_CONNECTIONS" "$WARMUP" soak.lua "$SERVER_URL" >/dev/null &
LOAD=($!)
FAUCET_RATE="$GRANT_RATE" FAUCET_MAX=100000000 FAUCET_TAG=1 run_wrk 2 8 "$WARMUP" faucet.lua "$SERVER_URL/api/faucet" >/dev/null &
LOAD+=($!)
wait "${LOAD[@]}" || true # (not a bare wait: anvil and the server are this shell's jobs too)

log "load: ${DURATION}s; a sample every ${SAMPLE}s, a histogram every ${LIVE}s"
[ "$NMT" = 0 ] || "$JCMD" "$SERVER_PID" VM.native_memory baseline >/dev/null
# the GC log, and each periodic native heap trim (-XX:TrimNativeHeapInterval): the RSS before and after it, its time
"$JCMD" "$SERVER_PID" VM.log output="file=$WORK/gc.log" what=gc,gc+age=debug,trimnative decorators=uptime >/dev/null
BODIES="$WORK/mix.bodies" SOAK_PAID_ADDRESS="$PAID" SOAK_DELAY_MS="${SOAK_DELAY_MS:-5}" \
  run_wrk 2 "$MIX_CONNECTIONS" "$DURATION" soak.lua "$SERVER_URL" >"$WORK/mix.result" &
LOAD=($!)
FAUCET_RATE="$GRANT_RATE" FAUCET_MAX=100000000 FAUCET_TAG=2 run_wrk 2 8 "$DURATION" faucet.lua "$SERVER_URL/api/faucet" >"$WORK/faucet.result" &
LOAD+=($!)
if [ "$WS_RATE" != 0 ]; then
  ws_churn "$DURATION" >"$WORK/ws.result" &
  LOAD+=($!)
fi
cpu_before="$(cpu_seconds "$SERVER_PID")"
load_at="$(tail -n 1 "$WORK/trace" | cut -d' ' -f1)"
granted_before="$(granted)"

ROWS="$WORK/rows"
start=$SECONDS
histograms=0 next_live=0
while :; do
  t=$((SECONDS - start))
  [ "$t" -le "$DURATION" ] || break
  kill -0 "$SERVER_PID" 2>/dev/null || exited "the server"
  # the moment's figures first: a histogram's full collection moves them (and its own work can raise the peak)
  row="$t $(($(granted) - granted_before)) $(sample)"
  [ "$NMT" = 0 ] || nmt "$WORK/nmt-row.txt"
  lv="-"
  if [ "$t" -ge "$next_live" ] || [ $((t + SAMPLE)) -gt "$DURATION" ]; then
    # the last: first everything the heap holds, dead or alive (-all: no collection), to name the garbage
    [ $((t + SAMPLE)) -le "$DURATION" ] || "$JCMD" "$SERVER_PID" GC.class_histogram -all >"$WORK/histogram-all.txt"
    histograms=$((histograms + 1))
    lv="$(live "$histograms")"
    next_live=$((LIVE > 0 ? t + LIVE : DURATION))
  fi
  echo "$row $lv" >>"$ROWS"
  log "$(tail -n 1 "$ROWS")"
  [ "$t" -lt "$DURATION" ] || break
  sleep $((SAMPLE - (SECONDS - start - t) > 0 ? SAMPLE - (SECONDS - start - t) : 1))
done
wait "${LOAD[@]}" || log "a load generator ended with an error (its line below is empty)"
[ "$NMT" = 0 ] || "$JCMD" "$SERVER_PID" VM.native_memory summary.diff scale=MB >"$WORK/nmt.txt"
cpu_load="$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$SERVER_PID")" 'BEGIN { printf "%.1f", b - a }')"
"$JCMD" "$SERVER_PID" VM.log disable >/dev/null

# every grant confirmed: the server's own count of unfinished grants reaches 0
admin_get() { curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" "$SERVER_URL/api/admin/$1"; }
settle_start=$SECONDS
while [ "$(admin_get state | jq '[.unfinishedGrants[]] | add')" != 0 ] && [ $((SECONDS - settle_start)) -lt 120 ]; do sleep 0.5; done
unfinished="$(admin_get state | jq '[.unfinishedGrants[]] | add')"
failed="$(admin_get 'grants?status=failed&limit=1000' | jq .count)"

echo "== soak: ${DURATION}s of mixed load, grants paced at ${GRANT_RATE}/s, the hostile and reading mix on $MIX_CONNECTIONS connections, $WS_RATE WebSocket connections/s =="
machine_info
echo
printf '%6s %8s %6s %6s %7s %4s %10s %9s %8s %8s %5s %4s %8s\n' 's' 'grants' 'RSS' 'peak' 'threads' 'fds' 'heap comm' 'heap used' 'old used' 'old cap' 'young' 'full' 'live set'
awk '{ printf "%6s %8s %6s %6s %7s %4s %10s %9s %8s %8s %5s %4s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }' "$ROWS"
echo "(memory in MB, before the row's histogram if it has one; the live set is that histogram's total, after its full collection; a row without one shows -)"
echo
grants="$(($(granted) - granted_before))"
rows() { printf '%-44s %s\n' "$@"; }
first_live="$(awk '$13 != "-" { print $13; exit }' "$ROWS")"
last_live="$(awk '$13 != "-" { v = $13 } END { print v }' "$ROWS")"
rows "live set, first / last histogram" "$first_live / $last_live MB ($(minus "$last_live" "$first_live") MB over the run, $histograms histograms)" \
  "live set, smallest / largest" "$(awk '$13 != "-" { if (min == "" || $13 < min) min = $13; if ($13 > max) max = $13 } END { print min " / " max }' "$ROWS") MB" \
  "peak RSS (VmHWM): before the last histogram / whole life" "$(awk 'END { print $4 }' "$ROWS") / $(peak_rss_mb "$SERVER_PID") MB (RSS at the end of the load $(awk 'END { print $3 }' "$ROWS") MB)" \
  "grants in the run / per second" "$grants / $(awk -v n="$grants" -v d="$DURATION" 'BEGIN { printf "%.1f", n / d }')" \
  "server CPU in the run / per second" "$cpu_load s / $(awk -v c="$cpu_load" -v d="$DURATION" 'BEGIN { printf "%.0f", 100 * c / d }')% of one core" \
  "unfinished grants at the end (120 s to settle) / failed" "$unfinished / $failed" \
  "faucet load (wrk/faucet.lua)" "$(cut -d' ' -f2- "$WORK/faucet.result")" \
  "hostile and reading mix (wrk/soak.lua)" "$(cut -d' ' -f2- "$WORK/mix.result")"
[ "$WS_RATE" = 0 ] || rows "WebSocket connections" "$(cut -d' ' -f2- "$WORK/ws.result")"
echo "young collections $(grep -c 'Pause Young' "$WORK/gc.log" || true), full collections $(grep -c 'Pause Full' "$WORK/gc.log" || true) in the GC log of the load (the histograms' included)"
# the age at which survivors were promoted (the JVM lowers it when the survivor space fills past its target)
echo "tenuring threshold over the young collections (threshold: collections): $(sed -n 's/.*new threshold \([0-9]*\).*/\1/p' "$WORK/gc.log" | sort -n | uniq -c | awk '{ printf "%s: %s  ", $2, $1 }')"
echo
echo "classes that grew most from the first histogram to the last (bytes, instances):"
awk 'FNR == 1 { file++ } $1 ~ /^[0-9]+:$/ { bytes[file, $4] = $3; count[file, $4] = $2; names[$4] = 1 }
  END { for (n in names) { d = bytes[2, n] - bytes[1, n]; if (d != 0 && n != "[Ljdk.internal.vm.FillerElement;") printf "%+12d %+9d %s\n", d, count[2, n] - count[1, n], n } }' \
  "$WORK/histogram-1.txt" "$WORK/histogram-$histograms.txt" | sort -rn | sed -n 1,15p # (sed reads it all: head would leave sort a broken pipe, and pipefail end the script)
# the peak: when it was reached, and the resident memory by kind then, against the row before it (sampled)
peak_line="$(awk 'NR == 1 || $3 > max { max = $3; line = $0 } END { print line }' "$WORK/trace")"
read -r peak_at _ peak_mb peak_anon peak_file peak_shmem <<<"$peak_line"
echo
echo "the peak: $peak_mb MB at ${peak_at}s of the server's life (VmHWM first seen there, every 0.5 s); then RSS" \
  "anon $peak_anon + file $peak_file + shmem $peak_shmem MB; the load's RSS in the trace: $(awk -v s="$load_at" '$1 >= s { print $2 }' "$WORK/trace" |
    sort -n | awk '{ v[NR] = $1 } END { printf "median %s, 90th percentile %s MB", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)] }')"
# the trims: what glibc kept of the memory freed since the one before (malloc's free pages, the JIT's arena chunks
# the chunk pool gave back), returned to the system by each; the trim just before the peak and the one after it
trims() { awk 'function mb(v) { return v ~ /G$/ ? v * 1024 : v ~ /M$/ ? v + 0 : v ~ /K$/ ? v / 1024 : v / 1048576 }
  /Periodic Trim \(/ && match($0, /: [0-9.]+[BKMG]->[0-9.]+[BKMG]/) { split(substr($0, RSTART + 2, RLENGTH - 2), r, "->")
    t = substr($1, 2) + 0; ms = $NF; sub(/ms$/, "", ms); printf "%.1f %.1f %.1f %.3f\n", t, mb(r[1]), mb(r[1]) - mb(r[2]), ms }' "$WORK/gc.log"; }
trims >"$WORK/trims"
if [ -s "$WORK/trims" ]; then
  echo "native heap trims in the load: $(wc -l <"$WORK/trims"), each returning (RSS before less after) $(cut -d' ' -f3 "$WORK/trims" | sort -n |
    awk '{ v[NR] = $1 } END { printf "median %.1f, 90th percentile %.1f, max %.1f MB", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR] }');" \
    "each taking $(cut -d' ' -f4 "$WORK/trims" | sort -n | awk '{ v[NR] = $1; s += $1 } END { printf "median %.2f, max %.2f ms, %.0f ms in all", v[int((NR + 1) / 2)], v[NR], s }')"
  echo "the trims around the peak (uptime s, RSS before MB, returned MB, ms): $(awk -v a="$peak_at" '$1 <= a { before = $0 } $1 > a && after == "" { after = $0 }
    END { printf "before [%s], after [%s]", before, after }' "$WORK/trims")"
fi
echo "the GC log around it (uptime; none before the load's start, ${load_at}s):"
awk -v a="$peak_at" 'match($0, /^\[[0-9.]+s\]/) { t = substr($0, 2, RLENGTH - 3) + 0; if (t >= a - 3 && t <= a + 1 && !/gc,age/) print "  " $0 }' \
  "$WORK/gc.log" | grep -v 'age *[0-9]*:' | grep -v 'Periodic Trim' | tail -n 4 || true
if [ "$NMT" = 1 ]; then
  echo
  echo "the JVM's native memory by part (NMT, MB): committed a moment after the peak (jcmd at $(cut -d' ' -f1 "$WORK/nmt-peak.at" 2>/dev/null)s," \
    "RSS $(cut -d' ' -f2 "$WORK/nmt-peak.at" 2>/dev/null)), at the last row of the load, at the end; and each part's malloc + arena peak over the life:"
  nmt "$WORK/nmt-end.txt"
  LC_ALL=C join -a 1 -e - -o 0,1.2,2.2,1.3 <(nmt_parts "$WORK/nmt-end.txt" | LC_ALL=C sort) <(nmt_parts "$WORK/nmt-peak.txt" | LC_ALL=C sort) |
    LC_ALL=C join -a 1 -e - -o 0,1.3,2.2,1.2,1.4 - <(nmt_parts "$WORK/nmt-row.txt" | LC_ALL=C sort) | sort -k4 -rn |
    awk '$2 + 0 >= 0.5 || $3 + 0 >= 0.5 || $4 + 0 >= 0.5 || $5 + 0 >= 0.5 { printf "  %-28s %8s %8s %8s %8s\n", $1, $2, $3, $4, $5 }' |
    { printf "  %-28s %8s %8s %8s %8s\n" part peak row end "max life"; cat; }
  echo "  (RSS beside NMT's total: the AOT cache's file pages, libjvm and the other libraries, malloc's own free lists and headers;"
  echo "  Arena_Chunk is the chunks no arena holds: those a finished compilation gave back to HotSpot's chunk pool, freed every 5 s)"
  echo "  the compilations that took the most memory (jcmd Compiler.memory; the JIT's own arenas, MB):"
  "$JCMD" "$SERVER_PID" Compiler.memory 2>/dev/null | sed -n '2,14p' | sed 's/^/    /' || true
  echo "  the change over the load (summary.diff against the baseline after the warm-up):"
  grep -E '^(Total|-  *[A-Za-z ]+ \(reserved)' "$WORK/nmt.txt" | sed 's/^/    /' || true
fi
echo
echo "what the heap held at the end of the load that its last full collection freed (the garbage), by class (bytes, instances):"
awk 'FNR == 1 { file++ } $1 ~ /^[0-9]+:$/ { bytes[file, $4] = $3; count[file, $4] = $2; names[$4] = 1 }
  END { for (n in names) { d = bytes[1, n] - bytes[2, n]; if (d > 0 && n != "[Ljdk.internal.vm.FillerElement;") printf "%12d %9d %s\n", d, count[1, n] - count[2, n], n } }' \
  "$WORK/histogram-all.txt" "$WORK/histogram-$histograms.txt" | sort -rn | sed -n 1,15p
echo "target: the live set flat (a leak grows with the load), peak RSS <= 200 MB"
# the money rule holds under every load: a soak whose grants were not all confirmed is a failed run, whatever its
# memory says (the working directory, with the server's and the node's logs, is kept)
[ "$unfinished" = 0 ] && [ "$failed" = 0 ] || die "not every grant was confirmed: $unfinished unfinished 120 s after the load, $failed failed"
