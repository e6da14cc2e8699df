"""``byteswarm history`` reads the store's history table, downsampled, as text or JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from node.cli.app import cli
from node.cli.history import parse_since
from node.config.settings import STORE_FILE
from node.runtime.history import as_row
from node.store.database import Store
from node.wire.status.history import HistorySample, TopicTraffic


def test_history_prints_the_last_stretch_downsampled(tmp_path: Path) -> None:
    now = int(time.time())
    with Store.open(tmp_path / STORE_FILE) as store:
        samples = [
            HistorySample(ts_s=t, peers=3, topics={"t": TopicTraffic(records_in=2, bytes_in=50)})
            for t in range(now - 7200, now - 1)  # 2 h, the last hour asked for below
        ]
        store.write_history([as_row(s) for s in samples], 0, 1)
    runner = CliRunner()
    args = ["history", "--data-dir", str(tmp_path), "--since", "1h", "--points", "6", "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    # the last hour holds 3599 of the seconds written (3598 if the CLI's clock moved on)
    assert len(rows) == 6 and sum(r["seconds"] for r in rows) in (3598, 3599)
    assert all(r["peers"] == 3 and r["records_in"] == 2 * r["seconds"] for r in rows)
    text = runner.invoke(cli, ["history", "--data-dir", str(tmp_path), "--points", "2"])
    assert text.exit_code == 0 and text.output.count("\n") == 2 and "peers  3.0" in text.output
    assert parse_since("90s") == 90 and parse_since("2h") == 7200 and parse_since("1d") == 86400
