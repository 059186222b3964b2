#!/usr/bin/env bash
# Runs the parser fuzz target for a bounded time (default 60 s) on stable
# Rust: cargo-fuzz needs nightly flags, which RUSTC_BOOTSTRAP=1 unlocks.
#
#   cargo install cargo-fuzz --locked     # once
#   crates/hotel-mrz/fuzz/run.sh [SECONDS]
#
# Seeds come from the comparison corpus; crashes land in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
mkdir -p corpus/parse
python3 - <<'PY'
import re
text = open("../tests/fixtures/compare_corpus.txt").read()
blocks = [[l for l in b.splitlines() if not l.startswith("#")] for b in re.split(r"\n\s*\n", text)]
for i, lines in enumerate(b for b in blocks if b):
    open(f"corpus/parse/seed{i:02}", "w").write("\n".join(lines))
PY
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo fuzz run parse -O -- -max_total_time="$seconds" -max_len=512
