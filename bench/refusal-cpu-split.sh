#!/usr/bin/env bash
# Where a refused POST /api/faucet's CPU goes, every thread's Java, JVM and kernel frames sampled together:
# this checkout's server set up as bench/refusal.sh sets it up (embedded dev chain, the block, the paid
# recipient, proof of work on for the pow kind), started with async-profiler as an agent (cpu-clock samples,
# one per millisecond of CPU), loaded with one kind of refusal (bench/wrk/refusal.lua); only the sample files
# of 10 s that lie wholly inside the measured window count (not the start-up or the warm-up). Prints
# refusals/s and CPU per refusal of the window (the agent included), then each part's share and µs per refusal.
#   bench/refusal-cpu-split.sh   (REFUSAL_SPLIT_KIND=pow REFUSAL_SPLIT_SECONDS=31 REFUSAL_CONNECTIONS=16
#                                 REFUSAL_THREADS=2 REFUSAL_WARMUP_SECONDS=30; KEEP=1 keeps the collapsed stacks)
# async-profiler comes from Maven Central (tools.profiler:async-profiler, its SHA-1 checked) into
# .tools/async-profiler (lib.sh's ensure_async_profiler); a measuring tool, not a part of the server.
source "$(dirname "$0")/lib.sh"

refusal_kind REFUSAL_SPLIT_KIND pow
SECONDS_EACH="${REFUSAL_SPLIT_SECONDS:-31}"
CONNECTIONS="${REFUSAL_CONNECTIONS:-16}"
THREADS="${REFUSAL_THREADS:-2}"
WARMUP="${REFUSAL_WARMUP_SECONDS:-30}"
[ "$SECONDS_EACH" -ge 20 ] || die "REFUSAL_SPLIT_SECONDS must be at least 20 (samples are kept in files of 10 s)"

ensure_tools wrk curl jq
ensure_server_built
ensure_async_profiler

mkdir -p "$WORK/samples"
BENCH_JAVA_OPTS="$BENCH_JAVA_OPTS -agentpath:$AP_LIB=start,event=cpu,interval=1ms,loop=10s,file=$WORK/samples/%t.collapsed" \
  launch_server split --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" --TRUSTED_PROXIES=127.0.0.1 \
  --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --FAUCET_POW_DIFFICULTY="$POW" --DEV_BLOCK_TIME_MS=200
wait_ready
curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -X POST "$SERVER_URL/api/admin/blocks" -d '{"target":"198.51.100.0/24","reason":"bench"}' >/dev/null || die "could not add the block"
if [ "$POW" = 0 ]; then
  curl -sf -m 10 -X POST "$SERVER_URL/api/faucet" -H 'Content-Type: application/json' \
    -H 'X-Forwarded-For: 192.0.2.1' -d "{\"address\":\"$PAID\"}" >/dev/null || die "the first grant failed"
fi
load() { REFUSAL_KIND="$KIND" REFUSAL_PAID_ADDRESS="$PAID" run_wrk "$THREADS" "$1" "$2" refusal.lua "$SERVER_URL/api/faucet"; }
log "warming up: ${WARMUP}s"
load 4 "$WARMUP" >/dev/null

echo "== refusal CPU split: $KIND, $CONNECTIONS connections, ${SECONDS_EACH}s, async-profiler $AP_VERSION =="
machine_info
profiled_window "$SERVER_PID" load "$CONNECTIONS" "$SECONDS_EACH"
printf 'ours: %s refusals/s, p50 %s ms, server CPU %s us per refusal, the agent included (load %s); %s\n' "$(field rps "$RUN")" \
  "$(field p50_ms "$RUN")" "$US" "$(cut -d' ' -f1 /proc/loadavg)" "$(grep -o 'status_[0-9]*=[0-9]*' <<<"$RUN" | tr '\n' ' ')"
echo "samples: ${#SAMPLES[@]} files of 10 s inside the window"
echo
printf '%7s %9s  %s\n' share 'us/req' part
cat "${SAMPLES[@]}" | awk -v us="$US" '
  function has(s) { return index(stack, s) > 0 }
  {
    n = $NF; stack = substr($0, 1, length($0) - length(n) - 1); total += n
    kernel = has("_[k]")
    if (has("subPollerLoop")) part = "JDK: the sub-poller (a virtual thread)"
    else if (has("Continuation.run") || has("cont_returnBarrier")) {
      if (has("SocketWriterDirect.write") || has("DataWriter.write")) part = "the answer written to the client"
      else if (has("Http1Prologue.readPrologue")) part = "Helidon: request line read"
      else if (has("Http1Headers") || has("readHeaders")) part = "Helidon: headers read"
      else if (has("AccessLog")) part = "edge: access line"
      else if (has("Bodies.")) part = "edge: body read"
      else if (has("DripBody")) part = "handler: body parsed (DripBody)"
      else if (has("Address.parse") || has("Keccak")) part = "faucet: address and its checksum (Keccak)"
      else if (has("HmacChallengeIds")) part = "faucet: the challenge id MAC (HmacChallengeIds)"
      else if (has("fingerprintHash") || has("recordFingerprint")) part = "faucet: the fingerprint (hash, held)"
      else if (has("ErrorMapper") || has("PreparedEnvelopes") || has("errorHandler") || has("ApiException")) part = "edge: the error envelope"
      else if (has("MetricsTelemetry") || has("HttpMetrics") || has("Counter")) part = "metrics"
      else if (has("DripService") || has("AdmissionRules") || has("ProofOfWorkRule") || has("FaucetRefusal")) part = "faucet: the rules and the refusal"
      else if (has("FaucetHttpService")) part = "handler: the rest"
      else if (has("RouteCrawler") || has("ErrorHandlers.errorHandler") || has("ExceptionBlob") || has("rethrow")) part = "Helidon: routing, the refusal thrown to the error handler"
      else if (has("HttpEdge")) part = "edge: the rest (client IP, request limit, headers, the answer head)"
      else if (has("Http1Connection") || has("helidon")) part = "Helidon: the rest"
      else part = "JDK: virtual threads mounted, frozen, thawed"
    }
    else if (has("fingerprint") || has("Fingerprint")) part = "the fingerprint writer (its thread)"
    else if (has("checkpointInBackground")) part = "the WAL checkpoint (its thread: the pages the fingerprints dirtied, copied back)"
    else if (has("BackgroundJobs") || has("DevChain")) part = "background jobs (tracker, feed, payer lease, status; the dev chain)"
    else if (has("NativeHeapTrimmer")) { part = "JVM: native heap trims (TrimNativeHeapInterval)"; kernel = 0 }
    else if (has("ForkJoinWorkerThread")) part = "JDK: carriers (scheduling, parking, waking)"
    else if (has("CompileBroker")) { part = "JVM: JIT compilers"; kernel = 0 }
    else if (has("VMThread")) { part = "JVM: VM thread (GC)"; kernel = 0 }
    else if (has("pollerLoop")) part = "JDK: the master poller thread"
    else part = "other threads (logging, GC notifications, ...)"
    if (kernel) part = part " [kernel]"
    s[part] += n; if (kernel) k += n
  }
  END {
    for (p in s) printf "%6.1f%% %9.1f  %s\n", 100 * s[p] / total, us * s[p] / total, p
    printf "%6.1f%% %9.1f  %s\n", 100 * k / total, us * k / total, "(the kernel, all parts together)"
  }' | sort -rn
if [ "${KEEP:-${BENCH_KEEP:-0}}" != 0 ]; then echo "sample files (collapsed stacks): ${files[*]}"; fi
