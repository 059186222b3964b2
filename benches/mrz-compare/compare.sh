#!/usr/bin/env bash
# Runs our MRZ reader, fastmrz and PassportEye on one generated image set and
# scores all three against its truth: the issue-4 comparison table.
#
# Usage: benches/mrz-compare/compare.sh [COUNT] [SEED]     (default 300 1)
#
# Environment:
#   OUT_DIR   where the set, the results and the table go
#             (default benches/mrz-compare/out/n$COUNT-seed$SEED, ignored by git)
#   PEERS     which peers to run (default "fastmrz passporteye"; "" runs ours only)
#   CPU       the one core every reader is pinned to (default 0)
#   HOTEL     an already built `hotel` binary to use instead of building one
#
# Writes in OUT_DIR: set/ (images + truth.jsonl), ours.jsonl, fastmrz.jsonl,
# passporteye.jsonl, table.txt (the scorer's output, also printed on stdout)
# and meta.txt (versions, commit, machine, the commands run).

set -euo pipefail

count="${1:-300}"
seed="${2:-1}"
if ! [[ "$count" =~ ^[0-9]+$ && "$seed" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [COUNT] [SEED]   (non-negative integers)" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT_DIR:-$here/out/n$count-seed$seed}"
peers="${PEERS-fastmrz passporteye}"
cpu="${CPU:-0}"
set_dir="$out/set"
py="$here/.venv/bin/python"

log() { echo "compare: $*" >&2; }

# Step 1: the peers (a no-op when already installed) and our binary.
if [[ -n "$peers" ]]; then
    "$here/setup.sh" >/dev/null
fi
if [[ -n "${HOTEL:-}" ]]; then
    hotel="$(realpath "$HOTEL")"
else
    log "building hotel (release)"
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p hotel-server --bin hotel
    target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    hotel="$target_dir/release/hotel"
fi

# Step 2: the image set, generated afresh (deterministic by seed).
mkdir -p "$out"
rm -rf -- "$set_dir"
log "generating $count images, seed $seed"
synth_cmd=("$hotel" mrz synth --out "$set_dir" --count "$count" --seed "$seed" --bucket mixed)
"${synth_cmd[@]}"
shopt -s nullglob
cd "$set_dir"
images=(*.jpg *.png)
cd - >/dev/null
shopt -u nullglob
truth_lines="$(grep -c . "$set_dir/truth.jsonl" || true)"
if ((${#images[@]} == 0)) || ((${#images[@]} != truth_lines)); then
    echo "compare: set has ${#images[@]} images but $truth_lines truth lines" >&2
    exit 1
fi

# Tesseract (both peers) and OpenMP/BLAS pools: one thread each.
export OMP_THREAD_LIMIT=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# Step 3: our reader, from inside the set so that "file" matches truth.jsonl.
# Its exit status is 1 when some image gave no valid MRZ: expected here.
log "reading with hotel mrz read"
status=0
(cd "$set_dir" && taskset -c "$cpu" "$hotel" mrz read --json "${images[@]}") \
    >"$out/ours.jsonl" || status=$?
if ((status > 1)); then
    echo "compare: hotel mrz read failed with status $status" >&2
    exit "$status"
fi
if (($(grep -c . "$out/ours.jsonl" || true) != ${#images[@]})); then
    echo "compare: ours.jsonl does not have one line per image" >&2
    exit 1
fi
results=("$out/ours.jsonl")

# Step 4: the peers, one Python process each, on the same core.
for peer in $peers; do
    log "reading with $peer (about a second per image)"
    taskset -c "$cpu" "$py" "$here/run_peer.py" "$peer" "$set_dir" "$out/$peer.jsonl"
    results+=("$out/$peer.jsonl")
done

# Step 5: what was run, on what.
{
    echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD || echo ' (dirty)')"
    echo "cpu $(lscpu | sed -n 's/^Model name: *//p'), pinned to core $cpu of $(nproc --all)"
    echo "set $count images, seed $seed, bucket mixed"
    if [[ -n "$peers" ]]; then "$py" "$here/run_peer.py" --check; fi
    echo "commands:"
    echo "  ${synth_cmd[*]}"
    echo "  (cd $set_dir && taskset -c $cpu $hotel mrz read --json *.jpg *.png) > $out/ours.jsonl"
    for peer in $peers; do
        echo "  taskset -c $cpu $py $here/run_peer.py $peer $set_dir $out/$peer.jsonl"
    done
    echo "  $hotel mrz score --truth $set_dir/truth.jsonl ${results[*]}"
} >"$out/meta.txt"

# Step 6: the table.
log "scoring"
"$hotel" mrz score --truth "$set_dir/truth.jsonl" "${results[@]}" | tee "$out/table.txt"
log "table in $out/table.txt, details in $out/meta.txt"
