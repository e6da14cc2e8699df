"""Crash durability: SIGKILL a writer at random moments; every acknowledged record survives.

The writer (``durability_writer.py``) prints ``ack <seq>`` only after a commit returned.
After each kill we reopen the store as a restarted daemon would and check that
- ``PRAGMA integrity_check`` is ``ok``;
- every acknowledged sequence number is present with the right content;
- the stored sequence numbers are exactly 0..n-1 (batches are atomic: no holes).
Some kills land before the first commit, including during the first open's migration.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node.store.database import Store
from tests.node.store.durability_writer import AUTHOR, TOPIC, blob_for

WRITER = Path(__file__).with_name("durability_writer.py")
REPO_ROOT = Path(__file__).resolve().parents[3]


def _kill_writer_once(db_path: Path, seed: int, rng: random.Random) -> tuple[list[int], bytes]:
    """Start the writer, SIGKILL it at a random moment; return its acked seqs and stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db_path), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    output = b""
    if rng.random() < 0.75:
        output = proc.stdout.readline()  # writes are under way: kill mid-stream
        time.sleep(rng.uniform(0.0, 0.15))
    else:
        time.sleep(rng.uniform(0.0, 0.6))  # may land during start-up, open or migration
    proc.send_signal(signal.SIGKILL)
    output += proc.stdout.read()
    stderr = proc.stderr.read()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, stderr.decode(errors="replace")
    complete_lines = output.split(b"\n")[:-1]  # a line cut by the kill was never an ack
    assert all(line.startswith(b"ack ") for line in complete_lines), output
    return [int(line.split()[1]) for line in complete_lines], stderr


def _check_store(db_path: Path, acked_up_to: int) -> int:
    """Reopen after the crash; return how many records survived."""
    with Store.open(db_path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = store.count_records(TOPIC)
        assert store.next_seq(TOPIC, AUTHOR) == stored  # seqs are 0..stored-1: no holes
        assert stored > acked_up_to, f"acked seq {acked_up_to} lost; only {stored} stored"
        cursor, seen = 0, 0
        more = True
        while more:
            rows, cursor, more = store.records_since(TOPIC, cursor, 500, 1 << 20)
            for row in rows:
                assert row.blob == blob_for(row.seq)
            seen += len(rows)
        assert seen == stored
    return stored


def _run_kill_cycles(tmp_path: Path, cycles: int, seed: int) -> None:
    rng = random.Random(seed)
    db_path = tmp_path / "data" / "node.db"
    acked_up_to = -1
    committed_cycles = 0
    for cycle in range(cycles):
        acked, stderr = _kill_writer_once(db_path, seed * 10_000 + cycle, rng)
        assert acked == sorted(acked), stderr
        if acked:
            assert acked[0] > acked_up_to
            acked_up_to = acked[-1]
            committed_cycles += 1
        if db_path.exists():
            _check_store(db_path, acked_up_to)
    # the test is only meaningful if most kills hit a writer that was committing
    assert committed_cycles >= cycles // 2
    assert acked_up_to > 0


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_acked_records_survive_sigkill(tmp_path: Path) -> None:
    _run_kill_cycles(tmp_path, cycles=12, seed=1)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", [2, 3])
def test_acked_records_survive_many_sigkills(tmp_path: Path, seed: int) -> None:
    _run_kill_cycles(tmp_path, cycles=100, seed=seed)
