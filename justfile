# nianbao tasks. `just --list` shows them.

# Build the dataset from data/raw into data/out (pipelines/default.toml).
build-dataset:
    cargo run --quiet -p nianbao-cli -- build --config pipelines/default.toml

# Run every test (unit, conformance, end-to-end through the binary).
test:
    cargo test --workspace

# Lints as CI should see them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Throughput and peak memory of `nianbao build` on a generated corpus (default 20,000 documents).
bench count="20000":
    bash scripts/bench.sh {{count}}

# Regenerate the sample corpus in data/raw (synthetic, with deliberate defects).
sample:
    rm -f data/raw/synth_*
    cargo run --quiet -p nianbao-cli -- synth --output data/raw --count 24 --seed 2026
