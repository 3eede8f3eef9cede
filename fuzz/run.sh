#!/usr/bin/env bash
# Runs fuzz targets one after another: `fuzz/run.sh SECONDS [TARGET…]`
# (default: every target). Each runs until 10 M executions or SECONDS,
# whichever comes first, from its seed corpus (`seed.sh`), under a 1 GiB
# RSS limit (`bundle` is an ingest of untrusted archives: its oracle is
# that memory stays bounded). Needs the nightly toolchain, or stable with
# RUSTC_BOOTSTRAP=1; logs go to fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_line milvus_text json_scanner escapers framing bundle spans)
toolchain=+nightly
rustup toolchain list | grep -q '^nightly' || { toolchain=; export RUSTC_BOOTSTRAP=1; }
[ -d corpus ] || ./seed.sh
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  cargo $toolchain fuzz run -s none "$t" "corpus/$t" -- \
    -runs=10000000 -max_total_time="$secs" -rss_limit_mb=1024 -max_len=65536 \
    -print_final_stats=1 > "logs/$t.log" 2>&1 || { echo "$t: FAILED (fuzz/logs/$t.log)"; tail -30 "logs/$t.log"; exit 1; }
  echo "$t: $(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}') execs, $(grep -oE 'cov: [0-9]+' "logs/$t.log" | tail -1)"
done
