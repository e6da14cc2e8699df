"""Adapt: a cloud daemon (torch) fits prompts for frozen onnxruntime devices whose camera
streams drift through corruption domains; accuracy per domain, adapted against the frozen
source model on the very same batches."""

from __future__ import annotations

import importlib.util
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from node.cli.demo.context import Demo
from node.cli.demo.progress import DemoError, Skipped, in_background
from node.cli.swarm import service_status


def source_accuracy(d: Path, batches: int) -> dict[str, list[int]]:
    """domain -> [correct, seen] of the frozen device model (neutral prompt) on the first
    ``batches`` batches of ``d``'s camera stream, which the device saw too."""
    from models.adapt.digits import to_unit
    from models.adapt.prompts import family_by_name
    from models.adapt.runner import DeviceRunner
    from node.adapt.device import camera
    from node.config.settings import load_config

    config = load_config(d / "config.toml", data_dir=d).adapt
    model = d / "adapt" / f"device-{config.family}.onnx"
    family = family_by_name(config.family)
    runner = DeviceRunner(str(model))
    prompt = family.split(family.neutral())
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, batch in zip(range(batches), camera(config), strict=False):
        predicted = runner(to_unit(batch.images), prompt).argmax(axis=1)
        counts[batch.domain][0] += int((predicted == batch.labels).sum())
        counts[batch.domain][1] += len(batch.labels)
    return dict(counts)


def prepare(demo: Demo) -> None:
    """Start the cloud daemon and its adaptation now, in the background: the cloud's start
    and its model loading (torch, the teacher: minutes on a cold cache) then overlap the
    finetune stage, which mostly waits for its one-second rounds. ``run`` picks it up."""
    if importlib.util.find_spec("torch") is None:
        return  # ``run`` says why the stage is skipped
    from node.cli.control import send_command
    from node.wire.control import AdaptStart

    config = (
        f'role = "cloud"\n[finetune]\nauto_join = false\n'  # it trains no SPSA run
        f"[adapt]\nteacher_epochs = {demo.sizes.teacher_epochs}"
    )
    cloud = demo.cloud = demo.swarm.start(demo.boot, config=config)

    def start() -> None:
        deadline = time.monotonic() + 60
        while demo.swarm.status(cloud) is None:
            if time.monotonic() > deadline:
                raise DemoError(f"the cloud daemon {cloud.name} did not start in 60 s")
            time.sleep(0.2)
        send_command(cloud, AdaptStart())  # loads torch and the teacher, then serves

    demo.cloud_ready = in_background(start, "demo-cloud")


def run(demo: Demo) -> dict[str, Any]:
    if importlib.util.find_spec("torch") is None:
        raise Skipped("the cloud daemon needs torch (pip install -e '.[all]')")
    from node.cli.control import send_command, send_control
    from node.wire.control import AdaptStart, AdaptStop

    swarm, progress, want = demo.swarm, demo.progress, demo.sizes.adapt_batches
    if demo.cloud_ready is None:
        prepare(demo)
    assert demo.cloud is not None and demo.cloud_ready is not None
    cloud, ready = demo.cloud, demo.cloud_ready
    progress.wait(ready.done, 90, "the cloud daemon to start", check=demo.check)
    ready.result()  # its error, if it failed
    devices = list(demo.devices)
    address = swarm.address(cloud)
    for d in devices:  # a device pairs with a cloud it is connected to
        send_control(d, "connect", {"addr": address}, timeout=30)
    for d in devices:  # adaptation does nothing until started (byteswarm adapt start)
        send_command(d, AdaptStart())
    progress.line(
        f"cloud {cloud.name} up (started during finetune); {len(devices)} devices stream "
        f"{want} camera batches each"
    )
    # per device: the running (correct, seen) per domain, from the cumulative status
    tallies: dict[str, dict[str, list[float]]] = {
        d.name: defaultdict(lambda: [0.0, 0]) for d in devices
    }
    last: dict[str, tuple[float, int]] = {d.name: (0.0, 0) for d in devices}
    curve: list[dict[str, Any]] = []
    t0 = time.monotonic()

    def poll() -> str:
        for d in devices:
            s = service_status(d, "adapt")
            seen = int(s.get("samples") or 0)
            correct = float(s.get("accuracy") or 0.0) * seen
            before = last[d.name]
            if seen > before[1] and s.get("domain"):
                tally = tallies[d.name][str(s["domain"])]
                tally[0] += correct - before[0]
                tally[1] += seen - before[1]
                last[d.name] = (correct, seen)
                curve.append(
                    {
                        "t": round(time.monotonic() - t0, 2),
                        "node": d.name,
                        "batches": s.get("batches"),
                        "domain": s.get("domain"),
                        "accuracy_recent": s.get("accuracy_recent"),
                        "prompt_version": s.get("prompt_version"),
                    }
                )
        note = service_status(cloud, "adapt").get("note") or ""
        now = [service_status(d, "adapt") for d in devices]
        batches = [int(s.get("batches") or 0) for s in now]
        prompts = [int(s.get("prompts_accepted") or 0) for s in now]
        return f"batches {batches}, prompts {prompts}" + (f"; cloud: {note}" if note else "")

    def done() -> bool:
        """``want`` batches and at least one applied prompt on every device: a cloud slowed
        down (a loaded machine, its first learner steps) makes the devices stream longer,
        never leaves one without adaptation."""
        poll()
        now = [service_status(d, "adapt") for d in devices]
        return all(
            int(s.get("batches") or 0) >= want and int(s.get("prompts_accepted") or 0) >= 1
            for s in now
        )

    what = f"{want} batches and a prompt from the cloud on every device"
    progress.wait(done, 600, what, poll, demo.check, poll=0.25)
    for d in (*devices, cloud):  # the prompts stay put for the export; the CPU is freed
        send_command(d, AdaptStop())
    poll()
    final = {d.name: service_status(d, "adapt") for d in devices}
    per_domain: dict[str, dict[str, Any]] = {}
    for d in devices:
        seen_batches = int(final[d.name].get("batches") or 0)
        source = source_accuracy(d, seen_batches)
        for domain, (correct, seen) in source.items():
            row = per_domain.setdefault(
                domain, {"source": [0, 0], "adapted": [0.0, 0], "devices": 0}
            )
            row["devices"] += 1
            row["source"][0] += correct
            row["source"][1] += seen
            tally = tallies[d.name].get(domain)
            if tally:
                row["adapted"][0] += tally[0]
                row["adapted"][1] += tally[1]
    domains = {
        name: {
            "source": round(r["source"][0] / r["source"][1], 4) if r["source"][1] else None,
            "adapted": round(r["adapted"][0] / r["adapted"][1], 4) if r["adapted"][1] else None,
            "images": r["source"][1],
            "devices": r["devices"],
        }
        for name, r in per_domain.items()
    }
    for name, r in domains.items():
        progress.line(
            f"domain {name}: frozen source {_pct(r['source'])}, adapted {_pct(r['adapted'])} "
            f"({r['images']} images on {r['devices']} of {len(devices)} devices)"
        )
    uplink = [float(s.get("uplink_bytes_per_sample") or 0.0) for s in final.values()]
    accepted = sum(int(s.get("prompts_accepted") or 0) for s in final.values())
    progress.line(
        f"{accepted} prompts accepted by the devices; uplink {np.mean(uplink):.0f} B per image "
        f"(only the most uncertain quarter is uploaded)"
    )
    return {
        "status": "ok" if accepted else "failed",
        **({} if accepted else {"reason": "no device accepted a prompt"}),
        "batches": {n: s.get("batches") for n, s in final.items()},
        "accuracy": {n: s.get("accuracy") for n, s in final.items()},
        "prompts_accepted": accepted,
        "uplink_bytes_per_sample": round(float(np.mean(uplink)), 1),
        "domains": domains,
        "curve": curve,
        "seconds": round(time.monotonic() - t0, 2),
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"
