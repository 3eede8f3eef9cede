#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/, not committed)
# with real lines of the committed samples: one line per seed file for
# the line-level targets, a few dozen lines for framing, small bundles
# (tar.gz, zip, gz of a sample's files) for `bundle`.
set -euo pipefail
cd "$(dirname "$0")"
samples=../samples
pick() { # N lines, spread over every sample log of every grammar
  find "$samples" -type f \( -name '*.log' -o -name '*.jsonl' -o -name '*.txt' \) \
    ! -name README.txt -print0 | sort -z | while IFS= read -r -d '' f; do
      awk -v n="$1" 'NR % 97 == 1 && c < n { print; c++ }' "$f"
    done
}
seed_lines() { # target, lines
  mkdir -p "corpus/$1"
  local i=0
  while IFS= read -r line; do
    printf '%s' "$line" > "corpus/$1/seed-$i"; i=$((i+1))
  done
}
pick 12 | seed_lines parse_line
pick 12 | grep '^\[' | seed_lines milvus_text
pick 40 | grep '^{' | seed_lines json_scanner
pick 12 | grep -v '^\[' | seed_lines escapers
# Spans: a cut of a real OTLP request and the Jaeger form of its spans; a
# stdout exporter's Go line and C++ block.
mkdir -p corpus/spans && cp seeds/otlp-request.json seeds/jaeger-export.json seeds/stdout-spans.log corpus/spans/
mkdir -p corpus/framing corpus/bundle
i=0
find "$samples" -type f -name '*.log' -print0 | sort -z | while IFS= read -r -d '' f; do
  head -c 4096 "$f" > "corpus/framing/seed-$i"; i=$((i+1))
done
# Bundles: the first byte of a bundle seed picks its container (see bundle.rs).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/b/milvus" "$tmp/b/client"
head -c 3000 "$samples/kill-restart-1/milvus/milvus-stdout.log" > "$tmp/b/milvus/standalone.log" 2>/dev/null || true
head -c 1500 "$samples/kill-restart-1/client/client.jsonl" > "$tmp/b/client/client.jsonl"
{ printf 't'; tar -C "$tmp" -czf - b; } > corpus/bundle/seed-tgz
{ printf 'z'; (cd "$tmp" && zip -qr - b); } > corpus/bundle/seed-zip 2>/dev/null || true
{ printf 'g'; gzip -c "$tmp/b/client/client.jsonl"; } > corpus/bundle/seed-gz
{ printf 'p'; cat "$tmp/b/milvus/standalone.log"; } > corpus/bundle/seed-plain
echo "seeded: $(for d in corpus/*; do printf '%s=%s ' "${d#corpus/}" "$(ls "$d" | wc -l)"; done)"
