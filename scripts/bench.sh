#!/usr/bin/env bash
# Benchmark: generate COUNT synthetic reports (not committed), then measure
#  - reading the same bytes (cat to /dev/null), the floor;
#  - `nianbao build` end to end (Parquet + CSV), documents/s, MB/s and peak RSS.
set -euo pipefail
count=${1:-20000}
cd "$(dirname "$0")/.."
cargo build --release --quiet -p nianbao-cli
bin=target/release/nianbao
dir=data/bench/$count
if [ ! -d "$dir/in" ]; then
  $bin synth --output "$dir/in" --count "$count" --seed 7 >/dev/null 2>&1
fi
bytes=$(du -sb "$dir/in" | cut -f1)
t0=$(date +%s.%N); cat "$dir"/in/* > /dev/null; t1=$(date +%s.%N)
/usr/bin/time -v $bin build --input "$dir/in" --output "$dir/out" 2> "$dir/time.txt" >/dev/null || { cat "$dir/time.txt"; exit 1; }
wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' "$dir/time.txt" | awk '{print $NF}')
secs=$(python3 -c "p='$wall'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))")
python3 - <<PY
count=$count; b=$bytes; s=$secs; rss=$rss
read=$t1-$t0
print(f"documents: {count}, input: {b/1e6:.1f} MB")
print(f"read only (cat): {read:.2f} s")
print(f"nianbao build:  {s:.2f} s  {count/s:,.0f} documents/s  {b/1e6/s:.1f} MB/s  peak RSS {rss/1024:.0f} MiB")
PY
