"""How the export benches time a call and name the machine they ran on.

``interleaved_ms``: the median of individually timed calls, every path run in turn each
round, so contention on the shared cores hits all paths alike.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import onnx
import onnxruntime as ort
import torch


def interleaved_ms(
    calls: dict[str, Callable[[], object]], rounds: int, block: int
) -> dict[str, float]:
    """Median milliseconds per call of each path. Each round runs every path for ``block``
    individually timed calls, so contention from other processes on the shared cores hits
    all paths alike; the median over all calls drops the preempted ones."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for fn in calls.values():  # warm-up: first-run allocations, bindings, caches
        for _ in range(max(3, block // 5)):
            fn()
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in calls.items():
            out = times[name]
            for _ in range(block):
                start = clock()
                fn()
                out.append(clock() - start)
    return {name: 1e3 * statistics.median(values) for name, values in times.items()}


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(), "cpu": cpu, "python": platform.python_version(),
        "torch": torch.__version__, "onnxruntime": ort.__version__, "onnx": onnx.__version__,
    }  # fmt: skip
