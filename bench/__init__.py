"""Benchmarks that produce every number in the README; each writes JSON (+ PNG) to results/."""
