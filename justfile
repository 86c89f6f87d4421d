# nianbao tasks. `just --list` shows them.

# Build the dataset from data/raw into data/out (pipelines/default.toml).
build-dataset:
    cargo run --release --quiet -p nianbao-cli -- build --config pipelines/default.toml

# The nightly refresh (docs/SCHEDULING.md): collect what is new from the portals listed in
# `sites` (a CSV with a `url` column) into data/raw, then build incrementally. Schedule this.
nightly sites="sites.csv":
    cargo run --release --quiet -p nianbao-cli -- collect --sites {{sites}} --output data/raw --json > data/collect.json
    cargo run --release --quiet -p nianbao-cli -- build --config pipelines/nightly.toml --json

# Install the `nianbao` command (optimized) into ~/.cargo/bin.
install:
    cargo install --path crates/cli --locked

# Run every test (unit, conformance, end-to-end through the binary).
test:
    cargo test --workspace

# Lints as CI should see them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Requests per second of `nianbao collect` against servers on loopback addresses: one host,
# then `hosts` hosts in parallel, `delay` ms between requests to a host (BENCHMARKS.md).
bench-collect pages="600" hosts="16" delay="0":
    cargo run --release -p nianbao-collect --example bench -- {{pages}} {{hosts}} {{delay}}

# Throughput and peak memory of `nianbao build` on a generated corpus (default 20,000 documents).
bench count="20000":
    bash scripts/bench.sh {{count}}

# Regenerate the sample corpus in data/raw: the multi-year panel corpus (real divisions'
# agencies over 2019–2025 with deliberate breaks, gaps and duplicates) and its expected-agencies
# list, plus two flattened reports, an OFD, a page whose tables are pictures (rendered with
# poppler's pdftoppm), a page with its PDF attachment, and a page of prose whose tables are in
# the DOCX it links (synthetic numbers throughout).
sample:
    rm -rf data/raw/synth_* data/raw/panel_* data/expected_agencies.csv
    cargo run --quiet -p nianbao-cli -- synth --panel --output data/raw --expected data/expected_agencies.csv --seed 2026
    cargo run --quiet -p nianbao-cli -- synth --output data/raw --count 6 --layouts flattened,flattened,ofd,pictures,attachment,supplement --seed 2026

# Differential soundness run: adversarial documents with known truth (default 100,000) in every
# layout and damage kind; prints the table of ACCURACY.md and fails on any wrong value.
soundness count="100000" seed="20261130":
    cargo run --release -p nianbao-normalize --example soundness -- {{count}} {{seed}}

# Score a built dataset against a folder of gold files (`nianbao eval`).
eval gold dataset:
    cargo run --release -p nianbao-cli -- eval --gold {{gold}} --dataset {{dataset}}

# Coverage-guided fuzzing (cargo-fuzz, stable toolchain, no sanitizer): every target for
# `secs` seconds. `cargo install cargo-fuzz` first.
fuzz secs="20":
    cd fuzz && for t in decode html docx table doc rtf ofd sheet; do cargo fuzz run -s none -O $t -- -max_total_time={{secs}} -max_len=4096 || exit 1; done

# Run the analyst examples (examples/*.py: pandas, polars, DuckDB) against the sample dataset
# (built with the debug binary the tests already compiled), in a virtual environment `.venv`
# made on first use.
examples:
    cargo run --quiet -p nianbao-cli -- build --config pipelines/default.toml
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/python -c "import pandas, pyarrow, polars, duckdb" 2>/dev/null || .venv/bin/pip install --quiet pandas pyarrow polars duckdb
    for f in examples/0*.py; do echo "== $f"; .venv/bin/python "$f" data/out || exit 1; done

# Install the OCR engine for scanned reports into `.venv` (PP-OCRv4 models inside the PyPI
# wheel rapidocr-onnxruntime, ~400 MB with its dependencies); pipelines/default.toml uses it.
ocr-setup:
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/pip install --quiet rapidocr-onnxruntime

# The Python package: build a wheel into dist/ (maturin, via pip).
wheel:
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/pip wheel --no-deps --quiet -w dist .

# Install the Python package into .venv (`pip install .`) and run its tests (pytest).
python-test:
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/pip install --quiet . pytest
    .venv/bin/python -m pytest -q tests/python

# The Spark example (examples/spark_build.py) in local mode on the sample corpus, checked
# against `nianbao build`'s cells (needs Java; installs the package and pyspark into .venv).
spark:
    cargo run --quiet -p nianbao-cli -- build --config pipelines/default.toml
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/python -c "import nianbao, pyspark" 2>/dev/null || .venv/bin/pip install --quiet . pyspark
    .venv/bin/python examples/spark_build.py data/raw /tmp/nianbao-spark --check data/out

# The Ray Data example (examples/ray_build.py) locally on the sample corpus, checked against
# `nianbao build`'s cells (installs the package and ray[data] into .venv).
ray:
    cargo run --quiet -p nianbao-cli -- build --config pipelines/default.toml
    test -x .venv/bin/python || python3 -m venv .venv
    .venv/bin/python -c "import nianbao, ray" 2>/dev/null || .venv/bin/pip install --quiet . "ray[data]"
    .venv/bin/python examples/ray_build.py data/raw /tmp/nianbao-ray --check data/out

# Render the sample's summary.html in headless Chromium into docs/summary.png (Debian package
# chromium; the fonts of fonts-noto-cjk for the Chinese text).
summary-screenshot:
    cargo run --quiet -p nianbao-cli -- build --input data/raw --output target/summary-sample --expected-agencies data/expected_agencies.csv --full
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1240,5200 --screenshot="$PWD/docs/summary.png" "file://$PWD/target/summary-sample/summary.html"
