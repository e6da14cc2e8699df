"""How the export benches time calls: interleaved rounds, the median per path."""

from __future__ import annotations

import time

from bench.export.timing import interleaved_ms, machine


def test_interleaved_ms_gives_each_path_its_median_and_orders_slow_after_fast() -> None:
    calls: list[str] = []

    def fast() -> None:
        calls.append("fast")

    def slow() -> None:
        calls.append("slow")
        time.sleep(0.002)

    ms = interleaved_ms({"fast": fast, "slow": slow}, rounds=2, block=5)
    assert set(ms) == {"fast", "slow"}
    assert 0 <= ms["fast"] < ms["slow"] and ms["slow"] >= 2.0
    # warm-up (3 calls each), then rounds that alternate the paths block by block
    assert calls[6:] == (["fast"] * 5 + ["slow"] * 5) * 2


def test_machine_names_the_versions_a_timing_depends_on() -> None:
    assert {"platform", "cpu", "python", "torch", "onnxruntime", "onnx"} <= set(machine())
