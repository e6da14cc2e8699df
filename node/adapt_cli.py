"""``byteswarm adapt status``: the adapt service as the node last reported it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from node.cli import cli
from node.cli_support import (
    data_dir_option,
    emit,
    json_option,
    open_store,
)


@cli.group()
def adapt() -> None:
    """Cloud-device prompt adaptation (device: --role device, cloud: --role cloud)."""


@adapt.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Uploads, prompt version, recent accuracy and uncertainty, bytes on the wire."""
    with open_store(data_dir) as store:
        found = store.read_status("adapt")
    data: dict[str, Any] = (
        found[1] if found else {"role": None, "note": "the adapt service has not reported"}
    )
    if data.get("role") == "device":
        acc = data.get("accuracy_recent")
        lines = [
            f"device paired with {data['cloud'] or '-'} ({data['note']})",
            f"batches {data['batches']}, samples {data['samples']}, domain {data['domain']}",
            f"accuracy recent {acc if acc is None else round(100 * acc, 1)} %, "
            f"uncertainty of uploads {data.get('uncertainty_recent')}",
            f"uploads {data['uploads']} ({data['uplink_bytes_per_sample']:.1f} B/sample up), "
            f"prompt v{data['prompt_version']} (accepted {data['prompts_accepted']}, "
            f"rejected {data['prompts_rejected']}: {data['last_verdict'] or '-'})",
        ]
    elif data.get("role") == "cloud":
        lines = [
            f"cloud serving {len(data['devices'])} device(s), family {data['family']}",
            f"uploads {data['uploads']} images ({data['upload_bytes']} bytes), "
            f"refused {data['refused']}",
            *(
                f"  {d}: prompt v{v['prompt_version']}, resets {v['resets']}"
                for d, v in data["devices"].items()
            ),
        ]
    else:
        lines = [str(data.get("note"))]
    emit(data, as_json, "\n".join(lines))
