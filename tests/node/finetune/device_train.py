"""Run by tests/node/finetune/test_device_install.py with a device venv's python (no torch there).

Three ``byteswarm run`` device nodes train the tiny model for 12 one-byte rounds on
onnxruntime; prints a JSON summary. argv: swarm root, encoder dir.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from node.cli.control import send_control
from node.cli.swarm import Swarm, finetune_run, service_status

ROUNDS = 12


def main(root: Path, encoders: Path) -> None:
    config = f'[finetune]\nencoder_dir = "{encoders}"\n'  # backend auto: a device uses ORT
    with Swarm(root, sync_interval=2.0) as swarm:
        dirs = swarm.start_star(3, config, timeout=60)
        first = dirs[0]
        args = {"run_id": "dev", "model": "tiny", "rounds": ROUNDS, "round_seconds": 1.0}
        send_control(first, "train_start", {**args, "checkpoint_every": 4}, timeout=60)
        swarm.wait_for(
            lambda: all(finetune_run(d, "dev").get("final_round") == ROUNDS for d in dirs),
            180,
            "the final checkpoint on every node",
        )
        runs = [finetune_run(d, "dev") for d in dirs]
        summary = {
            "torch_importable": importlib.util.find_spec("torch") is not None,
            "backends": [service_status(d, "finetune")["backend"] for d in dirs],
            "heavy_modules": [(swarm.status(d) or {}).get("heavy_modules") for d in dirs],
            "sha256": sorted({r["sha256"] for r in runs}),
            "records": [r["records"] for r in runs],
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
