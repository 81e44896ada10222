#!/usr/bin/env bash
# Runs the five benchmarks in turn (about 12 minutes: relay.sh is half of it) and prints their tables; progress goes to stderr.
# A benchmark that fails does not stop the others; the exit code says whether all succeeded.
#   bench/run-all.sh | tee bench-results.txt
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
failed=()
started=$SECONDS
for b in relay faucet refusal status-dead-node startup; do
  echo
  "$here/$b.sh" || failed+=("$b")
done
echo
echo "run-all: $((SECONDS - started)) s in total${failed[*]:+; FAILED: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
