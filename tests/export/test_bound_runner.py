"""The IOBinding runner: bit-identical to ``session.run``, fresh outputs, shapes checked."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from export.bound_runner import BoundDeviceRunner, BoundSession, cpu_session
from export.goldens import read_golden
from tests.export.conftest import REPO, Exported


def _toy_model() -> bytes:
    """(x (N, 3) float, k (1, 3) float, ids (N, T) int64) -> x * k + sum(ids) (N, 3)."""
    nodes = [
        helper.make_node("Mul", ["x", "k"], ["scaled"]),
        helper.make_node("Cast", ["ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["ids_f"], ["total"], keepdims=1),
        helper.make_node("Add", ["scaled", "total"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "toy",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3]),
            helper.make_tensor_value_info("k", TensorProto.FLOAT, [1, 3]),
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["n", "t"]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def test_matches_run_across_shapes_and_returns_fresh_arrays() -> None:
    session = cpu_session(_toy_model())
    bound = BoundSession(session, max_shapes=2)
    rng = np.random.default_rng(0)
    k = rng.normal(size=(1, 3)).astype(np.float32)
    previous: list[tuple[np.ndarray, np.ndarray]] = []
    for n, t in [(1, 2), (4, 5), (1, 2), (7, 1), (4, 5), (1, 2)]:  # evicts and rebinds
        x = rng.normal(size=(n, 3)).astype(np.float32)
        ids = rng.integers(0, 9, size=(n, t))
        got = bound(x, k, ids)
        want = session.run(None, {"x": x, "k": k, "ids": ids})[0]
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(bound.run({"ids": ids, "x": x, "k": k}), want)
        previous.append((got, want))
    for got, want in previous:  # no returned array was overwritten by a later call
        np.testing.assert_array_equal(got, want)
    assert len(bound._slots) == 2


def test_inputs_are_copied_not_aliased() -> None:
    bound = BoundSession(cpu_session(_toy_model()))
    x, k, ids = np.ones((2, 3), np.float32), np.ones((1, 3), np.float32), np.zeros((2, 1))
    first = bound(x, k, ids.astype(np.int64))
    x[...] = 5.0  # the caller reuses its buffer; the next call must see the new values
    second = bound(x, k, ids.astype(np.int64))
    np.testing.assert_array_equal(first, np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(second, np.full((2, 3), 5.0, np.float32))


def test_bad_feeds_are_refused() -> None:
    bound = BoundSession(cpu_session(_toy_model()))
    x, ids = np.ones((2, 3), np.float32), np.zeros((2, 1), np.int64)
    with pytest.raises(ValueError, match="expected inputs"):
        bound(x, ids)
    with pytest.raises(Exception, match=r"[Ii]nvalid|dimension"):  # onnxruntime's own check
        bound(x, np.ones((1, 4), np.float32), ids)


def test_threads_share_one_runner() -> None:
    session = cpu_session(_toy_model())
    bound = BoundSession(session)
    k = np.ones((1, 3), np.float32)
    ids = np.zeros((3, 2), np.int64)
    errors: list[str] = []

    def work(value: float) -> None:
        x = np.full((3, 3), value, np.float32)
        for _ in range(2000):
            if not np.array_equal(bound(x, k, ids), x):
                errors.append(f"thread {value} saw another thread's data")
                return

    threads = [threading.Thread(target=work, args=(float(v),)) for v in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_device_runner_reproduces_goldens_and_plain_run(device_export: Exported) -> None:
    from models.adapt.runner import DeviceRunner
    from models.adapt.uncertainty import DeviceForward

    blob = (device_export.out / "device.onnx").read_bytes()
    fast: DeviceForward = BoundDeviceRunner(blob)  # mypy: a drop-in for the adapter's forward
    plain = DeviceRunner(blob)
    assert BoundDeviceRunner(blob).input_names == plain.input_names == ("image", "prompt")
    golden = device_export.out / "device.golden"
    for prefix in ("", "prompted.", ""):  # the prompt changes between calls, then back
        image = read_golden(golden, f"{prefix}input.image.npy").astype(np.float32)
        prompt = {"prompt": read_golden(golden, f"{prefix}input.prompt.npy").astype(np.float32)}
        want = read_golden(golden, f"{prefix}output.logits.npy")
        np.testing.assert_array_equal(fast(image, prompt), want)
        np.testing.assert_array_equal(fast(image[:1], prompt), want[:1])
        np.testing.assert_array_equal(fast(image[:1], prompt), plain(image[:1], prompt))


def test_import_does_not_load_torch() -> None:
    code = "import sys, export.bound_runner; sys.exit('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0
