#!/usr/bin/env bash
# Whole-bundle speed and memory beside the anchors, with /usr/bin/time -v.
#
#   benches/scale.sh [MEGABYTES] [SAMPLE] [ROUNDS]
#
# Generates a bundle of about MEGABYTES from a committed sample
# (`examples/gen_bundle --repeat`: the real capture repeated, time-shifted,
# into the same files: many restarts and windows), packs it as .tar.gz, then
# runs every command once per round, interleaved (A B C … A B C …), and
# prints the median wall time and peak RSS of each, and the ratios the scale
# issue asks for. Needs Debian's `ripgrep` and `lnav`; warm cache (one
# untimed round first). Default: 1024 MB of samples/kill-restart-1, 3 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1024}
SAMPLE=${2:-kill-restart-1}
ROUNDS=${3:-3}
WORK=${SCALE_DIR:-/tmp/mp-scale}
BIN=target/release/milvus-postmortem
for tool in rg lnav gzip /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install ripgrep lnav time)" >&2; exit 2; }
done
cargo build --release --quiet --bin milvus-postmortem --example gen_bundle
B="$WORK/$SAMPLE-${MB}mb"
if [ ! -d "$B" ]; then
  mkdir -p "$WORK"
  target/release/examples/gen_bundle "$B" "$MB" --repeat "$SAMPLE"
  tar -C "$WORK" -czf "$B.tar.gz" "$(basename "$B")"
fi
BYTES=$(find "$B" -type f -name '*.log' -o -type f -name '*.jsonl' | xargs cat | wc -c)
OUT="$WORK/out"; mkdir -p "$OUT"

# name|command
CMDS=(
  "rg -c|rg -c 'node not match' $B"
  "lnav index|lnav -n -c ';SELECT count(*) FROM all_logs' $B/milvus $B/client $B/etcd"
  "gzip -dc|gzip -dc $B.tar.gz"
  "analyze --json|$BIN analyze $B --json $OUT/a.json"
  "analyze --json --threads 1|$BIN analyze $B --json $OUT/a1.json --threads 1"
  "analyze --html --md|$BIN analyze $B --json /dev/null --html $OUT/r.html --md $OUT/r.md"
  "timeline --format parquet|$BIN timeline $B --format parquet --out $OUT/t.parquet"
  "analyze .tar.gz|$BIN analyze $B.tar.gz --json /dev/null"
)

measure() { # command → "wall_s rss_kb"
  /usr/bin/time -f '%e %M' -o "$OUT/time" bash -c "$1" >/dev/null 2>"$OUT/stderr" || {
    echo "failed: $1" >&2; cat "$OUT/stderr" >&2; exit 1; }
  tail -1 "$OUT/time"
}

declare -A WALL RSS
echo "bundle: $B ($((BYTES / 1048576)) MiB of logs), $ROUNDS rounds after a warm-up, $(nproc) cores"
for c in "${CMDS[@]}"; do measure "${c#*|}" >/dev/null; done # warm-up
for r in $(seq "$ROUNDS"); do
  for c in "${CMDS[@]}"; do
    name=${c%%|*}
    read -r w m <<<"$(measure "${c#*|}")"
    WALL[$name]+="$w "
    RSS[$name]+="$m "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A MW MR
printf '\n| command | median wall (s) | median peak RSS (MB) |\n|---|---:|---:|\n'
for c in "${CMDS[@]}"; do
  name=${c%%|*}
  MW[$name]=$(echo "${WALL[$name]}" | median)
  MR[$name]=$(echo "${RSS[$name]}" | median)
  printf '| `%s` | %.2f | %.0f |\n' "$name" "${MW[$name]}" "$(echo "${MR[$name]} / 1024" | bc -l)"
done
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo
echo "analyze --json / lnav index:        $(ratio "${MW[analyze --json]}" "${MW[lnav index]}")"
echo "--threads 1 / --threads 2:          $(ratio "${MW[analyze --json --threads 1]}" "${MW[analyze --json]}")"
echo "--html --md / --json:               $(ratio "${MW[analyze --html --md]}" "${MW[analyze --json]}")"
echo "analyze .tar.gz / gzip -dc:         $(ratio "${MW[analyze .tar.gz]}" "${MW[gzip -dc]}")"
echo "ms per MiB (analyze --json):        $(echo "scale=2; ${MW[analyze --json]} * 1000 * 1048576 / $BYTES" | bc -l)"
echo "HTML size: $(du -k "$OUT/r.html" | cut -f1) KiB, Markdown: $(du -k "$OUT/r.md" | cut -f1) KiB"
cmp -s "$OUT/a.json" "$OUT/a1.json" && echo "--threads 1 and 2: identical JSON" || echo "--threads 1 and 2: JSON DIFFERS"
