#!/usr/bin/env bash
# Benchmark `nianbao build` on generated corpora (not committed; under data/bench/):
#  - text reports (the five text layouts), COUNT documents;
#  - per format: HTML, DOCX, PDF (smaller corpora; PDF runs one pdftotext per document).
# For each: the time to merely read the same bytes (cat, the floor), then `nianbao build`
# end to end (Parquet + CSV) under /usr/bin/time: documents/s, MB/s, peak RSS.
set -euo pipefail
count=${1:-20000}
cd "$(dirname "$0")/.."
cargo build --release --quiet -p nianbao-cli
bin=target/release/nianbao

measure() { # name layouts count [extra pipeline lines]
  local name=$1 layouts=$2 n=$3 extra=${4:-}
  local dir=data/bench/$name-$n
  if [ ! -d "$dir/in" ]; then
    $bin synth --output "$dir/in" --count "$n" --seed 7 --layouts "$layouts" >/dev/null 2>&1
  fi
  local bytes t0 t1 wall rss secs
  bytes=$(du -sb "$dir/in" | cut -f1)
  t0=$(date +%s.%N); find "$dir/in" -type f -exec cat {} + > /dev/null; t1=$(date +%s.%N)
  rm -rf "$dir/out" "$dir/.out.gens" "$dir/.out.state"
  # (paths in a pipeline file are relative to the file's folder, here $dir)
  printf 'input = "%s"\noutput = "%s"\nincremental = false\n%b' in out "$extra" > "$dir/full.toml"
  /usr/bin/time -v $bin build --config "$dir/full.toml" 2> "$dir/time.txt" >/dev/null || { cat "$dir/time.txt"; exit 1; }
  wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$dir/time.txt" | awk '{print $NF}')
  python3 - "$name" "$n" "$bytes" "$wall" "$rss" "$t0" "$t1" <<'PY'
import sys
name, n, b, wall, rss, t0, t1 = sys.argv[1:]
n, b, rss = int(n), int(b), int(rss)
s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
read = float(t1) - float(t0)
print(f"| {name} | {n:,} | {b/1e6:.1f} MB | {read:.2f} s | {s:.2f} s | {n/s:,.0f} | {b/1e6/s:.1f} | {rss/1024:.0f} MiB |")
open(f"data/bench/{name}-{n}/wall.txt", "w").write(f"{s}\n")
PY
}

echo "| corpus | documents | input | read only (cat) | nianbao build | documents/s | MB/s | peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
# ONLY_SCALE=1 runs only the national-scale steps at the end
only_scale=${ONLY_SCALE:-0}
[ "$only_scale" = 1 ] || measure text tabbed,piped,pdf_text,cell_per_line,flattened "$count"
incremental() { # name count [extra pipeline lines]: on a copy of a measured corpus, a first
  # incremental run (fills the state), a run with nothing changed (skips the rebuild), then 1%
  # of the files changed; each against that corpus's full build
  local name=$1 n=$2 extra=${3:-}
  local dir=data/bench/$name-$n s0 s1 s2 s3 skipped
  rm -rf "$dir/inc" "$dir/.inc.gens" "$dir/.inc.state" "$dir/in-inc"
  cp -r "$dir/in" "$dir/in-inc"
  # files as a nightly run finds them: written earlier (one modified < 2 s before a run reads
  # it is re-hashed on the next run, so a fresh copy would never count as unchanged)
  find "$dir/in-inc" -type f -exec touch -d '1 hour ago' {} +
  printf 'input = "%s"\noutput = "%s"\nincremental = true\n%b' in-inc inc "$extra" > "$dir/inc.toml"
  s0=$(date +%s.%N)
  /usr/bin/time -v $bin build --config "$dir/inc.toml" 2> "$dir/time-fill.txt" >/dev/null
  s1=$(date +%s.%N)
  skipped=$($bin build --config "$dir/inc.toml" --json 2>/dev/null | grep -c '"unchanged": true' || true)
  s2=$(date +%s.%N)
  find "$dir/in-inc" -type f | sort | awk 'NR % 100 == 0' | while read -r f; do printf '\n' >> "$f"; done
  /usr/bin/time -v $bin build --config "$dir/inc.toml" 2> "$dir/time-inc.txt" >/dev/null
  s3=$(date +%s.%N)
  python3 - "$name" "$s0" "$s1" "$s2" "$s3" "$(grep 'Maximum resident' "$dir/time-fill.txt" | awk '{print $NF}')" "$(grep 'Maximum resident' "$dir/time-inc.txt" | awk '{print $NF}')" "$(cat "$dir/wall.txt")" "$skipped" <<'PY'
import sys
name = sys.argv[1]
s0, s1, s2, s3, rss_fill, rss, full, skipped = map(float, sys.argv[2:])
print(f"| {name}, incremental: first run (fills the state) | {s1-s0:.2f} s | {(s1-s0)/full*100:.0f}% of the full build | peak RSS {rss_fill/1024:.0f} MiB |")
what = "skipped the rebuild" if skipped else "rebuilt (an input was unreadable, or too recently modified)"
print(f"| {name}, incremental: nothing changed | {s2-s1:.2f} s | {(s2-s1)/full*100:.1f}% of the full build | {what} |")
print(f"| {name}, incremental: 1% of documents changed | {s3-s2:.2f} s | {(s3-s2)/full*100:.0f}% of the full build | peak RSS {rss/1024:.0f} MiB |")
PY
}
[ "$only_scale" = 1 ] || incremental text "$count"
nightly() { # name count [extra pipeline lines]: the nightly refresh of a dataset partitioned by
  # year (issue 15.4). On a hard-linked copy of a measured corpus: a first incremental run
  # (fills the state and records its year partitions), then 1% more documents, all new reports
  # of the latest year (2025, generated with another seed), and a run that links the six
  # unchanged year partitions; against that corpus's full build
  local name=$1 n=$2 extra=${3:-}
  local dir=data/bench/$name-$n add=$(( $2 / 100 ))
  local new=data/bench/latest-$add s0 s1 s2 s3
  if [ ! -d "$new/in" ]; then
    rm -rf "$new"
    $bin synth --output "$new/all" --gold "$new/gold" --count $((add * 9)) --seed 8 \
      --layouts tabbed,piped,pdf_text,cell_per_line,flattened >/dev/null 2>&1
    mkdir -p "$new/in"
    grep -rl --include='*.json' '"report_year": 2025' "$new/gold" | sort | awk -v n="$add" 'NR <= n' |
      while read -r g; do b=$(basename "$g" .json); mv "$new/all/$b".* "$new/in/"; done
    rm -rf "$new/all" "$new/gold"
  fi
  rm -rf "$dir/nightly" "$dir/.nightly.gens" "$dir/.nightly.state" "$dir/in-nightly"
  cp -al "$dir/in" "$dir/in-nightly"
  find "$dir/in-nightly" -type f -exec touch -d '1 hour ago' {} +
  printf 'input = "%s"\noutput = "%s"\nincremental = true\n%b' in-nightly nightly "$extra" > "$dir/nightly.toml"
  s0=$(date +%s.%N)
  /usr/bin/time -v $bin build --config "$dir/nightly.toml" 2> "$dir/time-nightly-fill.txt" >/dev/null
  s1=$(date +%s.%N)
  cp -r "$new/in" "$dir/in-nightly/zz-latest"
  find "$dir/in-nightly/zz-latest" -type f -exec touch -d '1 hour ago' {} +
  s2=$(date +%s.%N)
  /usr/bin/time -v $bin build --config "$dir/nightly.toml" --json 2> "$dir/time-nightly.txt" > "$dir/nightly.json"
  s3=$(date +%s.%N)
  python3 - "$name" "$n" "$(ls "$new/in" | wc -l)" "$s0" "$s1" "$s2" "$s3" "$(grep 'Maximum resident' "$dir/time-nightly-fill.txt" | awk '{print $NF}')" "$(grep 'Maximum resident' "$dir/time-nightly.txt" | awk '{print $NF}')" "$(cat "$dir/wall.txt")" "$dir/nightly.json" <<'PY'
import json, sys
name, n, added = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s0, s1, s2, s3, rss_fill, rss, full = map(float, sys.argv[4:11])
summary = json.load(open(sys.argv[11]))
reused = summary.get("partitions_reused", [])
print(f"| {name}, nightly (partitioned): first run (fills the state, records the years) | {s1-s0:.2f} s | {(s1-s0)/full*100:.0f}% of the full build | peak RSS {rss_fill/1024:.0f} MiB |")
print(f"| {name}, nightly: {added:,} new reports of 2025 (+{added/n*100:.0f}%) | {s3-s2:.2f} s | **{(s3-s2)/full*100:.1f}% of the full build** | peak RSS {rss/1024:.0f} MiB; years linked: {', '.join(map(str, reused)) or 'none'}; parsed {summary['parsed']:,} |")
PY
  rm -rf "$dir/in-nightly" "$dir/nightly" "$dir/.nightly.gens" "$dir/.nightly.state"
}
if [ "$only_scale" != 1 ]; then
measure html html "${HTML_COUNT:-$((count / 4))}"
measure docx docx "${DOCX_COUNT:-$((count / 4))}"
if command -v pdftotext >/dev/null 2>&1; then
  measure pdf pdf "${PDF_COUNT:-$((count / 20))}"
else
  echo "| pdf | skipped: pdftotext (poppler-utils) is not installed | | | | | | |"
fi
fi
# National scale: 1,000,000 text reports (~4 GB generated under data/bench/, not committed),
# written as Parquet only and partitioned by year (the CSV of `cells` alone would be ~31 GB).
# Skip with SCALE_COUNT=0.
scale=${SCALE_COUNT:-1000000}
if [ "$scale" -gt 0 ]; then
  measure text-scale tabbed,piped,pdf_text,cell_per_line,flattened "$scale" \
    'partition_by_year = true\n[formats]\nparquet = true\ncsv = false\n'
  # the nightly refresh at that scale (a copy of the corpus, ~4 GB more disk; ~10 minutes)
  if [ "${SCALE_INCREMENTAL:-0}" = 1 ]; then
    incremental text-scale "$scale" 'partition_by_year = true\n[formats]\nparquet = true\ncsv = false\n'
  fi
  # the nightly refresh with partition reuse: 1% new reports of the latest year (~8 GB of
  # state and outputs beside the corpus; ~15 minutes at 1M)
  nightly text-scale "$scale" 'partition_by_year = true\n[formats]\nparquet = true\ncsv = false\n'

fi
