"""The adapt service: signed prompts for this device only, and a device-cloud round trip."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trio

from models.adapt.prompts import family_by_name
from node import wire
from node.adapt.device import accept_prompt_record, make_adapter
from node.adapt.prompt_file import prompt_paths
from node.cli.swarm import Swarm, run_cli, service_status
from node.config.services import AdaptConfig
from node.config.settings import STORE_FILE
from node.net.identity import Identity
from node.store.database import Store

FAMILY = AdaptConfig().family  # the node's default: the one a user runs


@pytest.fixture(scope="module")
def device_onnx() -> bytes:
    from export.device import load_device
    from models.adapt.onnx_export import export_device_onnx
    from models.adapt.prompts import family_by_name

    return export_device_onnx(load_device(None).fold(), family_by_name(FAMILY))


def prompt_record(
    signer: Identity, device: str, version: int, flat: np.ndarray, seq: int = 0
) -> wire.SignedRecord:
    data = np.asarray(flat, np.float32).astype("<f2").tobytes()
    body = wire.Prompt(
        wire.WIRE_VERSION, device, FAMILY, version, data, hashlib.sha256(data).digest()
    )
    return wire.sign_record(signer.seed, wire.PROMPTS_TOPIC, seq, 1, wire.encode(body))


def test_only_the_paired_clouds_valid_prompts_for_this_device_apply(device_onnx: bytes) -> None:
    cloud, mallory, me = Identity.generate(), Identity.generate(), "12D3KooWme"
    adapter = make_adapter(
        device_onnx, AdaptConfig(family=FAMILY), wire.peer_id_str(cloud.public_key)
    )
    neutral = family_by_name(FAMILY).neutral()
    good = neutral + np.float32(0.01)
    cases: list[tuple[wire.SignedRecord, bool, str]] = [
        (prompt_record(mallory, me, 1, good), False, "signer"),
        (prompt_record(cloud, "12D3KooWother", 1, good), False, "another device"),
        (prompt_record(cloud, me, 1, np.full_like(neutral, np.nan)), False, "non-finite"),
        (prompt_record(cloud, me, 1, neutral + np.float32(50.0)), False, "norm"),
        (prompt_record(cloud, me, 1, good[:-1]), False, "bytes"),
        (prompt_record(cloud, me, 1, good), True, "ok"),
        (prompt_record(cloud, me, 1, neutral), False, "superseded"),  # a replayed version
    ]
    for record, applied, reason in cases:
        got_applied, got_reason = accept_prompt_record(adapter, record, me)
        assert (got_applied, reason in got_reason) == (applied, True), (got_reason, reason)
    # The last good prompt is the one in force.
    np.testing.assert_allclose(adapter.validator.current, good, atol=1e-3)
    assert adapter.validator.version == 1


def adapt_status(d: Path) -> dict[str, Any]:
    return service_status(d, "adapt")


@pytest.mark.integration
@pytest.mark.network
def test_a_device_and_a_cloud_complete_upload_prompt_round_trips(tmp_path: Path) -> None:
    with Swarm(tmp_path, sync_interval=2.0) as swarm:
        # A small teacher budget keeps a fresh machine's first training short.
        cloud = swarm.start(config='role = "cloud"\n[adapt]\nteacher_epochs = 3')
        boot = swarm.address(cloud)
        device = swarm.start(boot, config="[adapt]\nbatch_interval = 0.3")
        bystander = swarm.start(boot, config="[adapt]\nenabled = false")
        # Nothing adapts until an operator starts it: the cloud has not even loaded torch.
        swarm.wait_for(
            lambda: (
                "idle" in adapt_status(cloud).get("note", "")
                and "idle" in adapt_status(device).get("note", "")
            ),
            60,
            "both adapt services to report idle",
        )
        assert "torch" not in (swarm.status(cloud) or {}).get("heavy_modules", ["?"])
        assert adapt_status(device)["batches"] == 0
        for d, budget in ((cloud, []), (device, ["--minutes", "30"])):
            started = run_cli("adapt", "start", *budget, "--data-dir", str(d), timeout=60)
            assert started.returncode == 0 and "adaptation running" in started.stdout
        status = swarm.wait_for(
            lambda: (s := adapt_status(device)).get("prompts_accepted", 0) >= 2 and s,
            400,
            "the device to apply the cloud's prompts",
        )
        assert status["uploads"] > 0 and status["prompt_version"] >= 2
        # The applied prompt is on disk for the export (byteswarm export --prompt).
        npy, sidecar = prompt_paths(device, FAMILY)
        meta = json.loads(sidecar.read_text())
        assert meta["version"] >= 2 and meta["cloud"] == swarm.address(cloud).rsplit("/p2p/")[1]
        assert np.load(npy, allow_pickle=False).shape == family_by_name(FAMILY).neutral().shape
        assert status["prompts_rejected"] == 0
        assert status["uncertainty_recent"] is not None and status["accuracy_recent"] is not None
        # The device fetched the model from the cloud, runs it without torch, and uploads
        # 25 % of each batch: 64 uint8 pixels... per sample on average, plus framing.
        assert (device / "adapt" / f"device-{FAMILY}.onnx").exists()
        assert 0 < status["uplink_bytes_per_sample"] < 256
        device_id = swarm.address(device).rsplit("/p2p/", 1)[1]
        # The cloud writes its status once a second, so the snapshot that shows the device
        # may predate the prompt fetches the device already reported: wait for both.
        cloud_status = swarm.wait_for(
            lambda: (s := adapt_status(cloud)).get("prompt_bytes_served", 0) > 0 and s,
            30,
            "the cloud's status to count the prompts it served",
        )
        assert list(cloud_status["devices"]) == [device_id]
        # Prompts go to their device by request/response only: no node stores or relays one.
        for d in (cloud, device, bystander):
            with Store.open(d / STORE_FILE, readonly=True) as store:
                assert store.records_since(wire.PROMPTS_TOPIC, 0, 10, 1 << 20)[0] == []
        stopped = run_cli("adapt", "stop", "--data-dir", str(device), timeout=60)
        assert "stopped by the operator" in stopped.stdout
        swarm.wait_for(
            lambda: "idle" in adapt_status(device).get("note", ""), 30, "the device to stop"
        )
        assert "torchvision" not in (cloud / "daemon.log").read_text(errors="replace")


def test_a_learner_that_fell_behind_takes_every_queued_upload_at_once() -> None:
    from node.adapt.cloud import Upload, coalesced

    def upload(device: str, value: int, n: int) -> Upload:
        return Upload(device, np.full((n, 16, 16), value, np.uint8), np.full(n, value, np.float32))

    async def main() -> list[Upload]:
        send, receive = trio.open_memory_channel[Upload](8)
        for item in (upload("b", 2, 1), upload("a", 3, 2), upload("b", 4, 3)):
            send.send_nowait(item)
        return coalesced(upload("a", 1, 1), receive)

    merged = {u.device: u for u in trio.run(main)}
    assert sorted(merged) == ["a", "b"]
    assert list(merged["a"].scores) == [1, 3, 3]  # oldest first, nothing dropped
    assert list(merged["b"].scores) == [2, 4, 4, 4]
    assert merged["b"].images.shape == (4, 16, 16)


def test_queued_uploads_of_two_domains_of_one_device_are_never_merged() -> None:
    from node.adapt.cloud import Upload, coalesced

    def upload(domain: int, value: int) -> Upload:
        images = np.full((2, 16, 16), value, np.uint8)
        return Upload("a", images, np.full(2, value, np.float32), domain)

    async def main() -> list[Upload]:
        send, receive = trio.open_memory_channel[Upload](8)
        for item in (upload(2, 2), upload(1, 3), upload(2, 4)):
            send.send_nowait(item)
        return coalesced(upload(1, 1), receive)

    merged = {(u.device, u.domain): u for u in trio.run(main)}
    assert sorted(merged) == [("a", 1), ("a", 2)]
    assert list(merged[("a", 1)].scores) == [1, 1, 3, 3]
    assert list(merged[("a", 2)].scores) == [2, 2, 4, 4]


def test_the_default_device_keys_its_domains_and_applies_each_domains_prompt(
    device_onnx: bytes,
) -> None:
    """The node's default family runs the bench's per-domain loop: a prompt addressed to a
    domain is used for that domain's batches only; other domains stay neutral."""
    from models.adapt.prompts import family_by_name

    cloud, me = Identity.generate(), "12D3KooWme"
    adapter = make_adapter(
        device_onnx, AdaptConfig(family=FAMILY), wire.peer_id_str(cloud.public_key)
    )
    assert adapter.domains is not None and adapter.selection == "mix"
    neutral = family_by_name(FAMILY).neutral()
    good = neutral + np.float32(0.01)
    data = np.asarray(good, np.float32).astype("<f2").tobytes()
    body = wire.Prompt(
        wire.WIRE_VERSION, me, FAMILY, 1, data, hashlib.sha256(data).digest(), domain=3
    )
    record = wire.sign_record(cloud.seed, wire.PROMPTS_TOPIC, 1, 1, wire.encode(body))
    assert accept_prompt_record(adapter, record, me)[0]
    np.testing.assert_allclose(
        adapter.prompt_arrays(3)["warp"], family_by_name(FAMILY).split(good)["warp"], atol=1e-3
    )
    for name, part in adapter.prompt_arrays(0).items():
        np.testing.assert_array_equal(part, family_by_name(FAMILY).split(neutral)[name])


QUIET_EXPORT = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from node.config.settings import load_config
from node.cli.services import default_services
default_services(load_config(None, data_dir=sys.argv[1], role="cloud"))
from export.device import load_device
from models.adapt.onnx_export import export_device_onnx
from models.adapt.prompts import family_by_name
export_device_onnx(load_device(None).fold(), family_by_name("filter_feature"))
print("exported")
"""


def test_a_cloud_node_exports_its_device_model_without_library_noise(tmp_path: Path) -> None:
    """The cloud loads torch and exports the device model: no onnxscript/onnx_ir INFO lines,
    torchvision notices or torch FutureWarnings reach its log, even at --log-level info."""
    result = subprocess.run(
        [sys.executable, "-c", QUIET_EXPORT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "exported"
    assert result.stderr == ""
