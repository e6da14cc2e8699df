"""``train export``: a run's θ, replayed and verified from the stored log, as safetensors.

The file holds one float32 tensor ``theta`` (the run's trainable parameters in the layout's
canonical order: what ``byteswarm export --model polarity --weights FILE`` reads) and, in
its metadata, the run id, the round, SHA-256(θ) as the peers announce it, the model and
the layout digest. θ is exported only when the replay reproduces every announced hash.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from node.finetune.verify import VerifyError, replayed


def export_theta(data_dir: Path, run_id: str, out: Path) -> dict[str, Any]:
    """Write the run's θ to ``out``; what was written (run, round, sha256, path, bytes)."""
    from safetensors.numpy import save_file

    state, report = replayed(data_dir, run_id)
    if not report["ok"]:
        raise VerifyError(
            f"run {run_id}: θ replayed from {data_dir} does not match the announced hashes "
            f"(see `byteswarm train verify --run {run_id}`)"
        )
    spec, replica = state.spec, state.replica
    metadata = {
        "run_id": run_id,
        "round": str(replica.round),
        "rounds": str(spec.rounds),
        "sha256": replica.sha256,
        "model": spec.model,
        "layout_digest": spec.layout_digest,
    }
    tmp = out.with_name(out.name + ".tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        save_file({"theta": replica.theta}, str(tmp), metadata=metadata)
        os.replace(tmp, out)
    except OSError as exc:
        raise VerifyError(f"cannot write {out}: {exc.strerror or exc}") from None
    return metadata | {"path": str(out), "bytes": out.stat().st_size}
