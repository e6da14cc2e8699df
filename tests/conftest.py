"""Shared pytest configuration."""

from __future__ import annotations

import os

# Deterministic, single-threaded numerics on a shared 2-core machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
