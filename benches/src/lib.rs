//! Criterion benchmarks of the Smart Hotel hot paths; the benches live in `benches/`.
