"""Fixtures of the store tests: the store file's path and a store open on it with a ticking
clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.store.database import Store
from tests.node.store.sample_rows import FakeClock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "node.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path, clock=FakeClock()) as opened:
        yield opened
