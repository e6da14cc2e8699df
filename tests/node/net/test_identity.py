"""Identity: created 0600 once, stable across restarts, refused when readable by others."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from node.net.identity import KEY_FILE, IdentityError, load_identity, load_or_create_identity
from node.wire import peer_id_str


def test_key_is_created_private_and_stable(tmp_path: Path) -> None:
    first = load_or_create_identity(tmp_path / "d")
    mode = stat.S_IMODE((tmp_path / "d" / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    again = load_or_create_identity(tmp_path / "d")
    assert again == first
    assert peer_id_str(again.public_key).startswith("12D3KooW")


def test_group_readable_key_is_refused(tmp_path: Path) -> None:
    load_or_create_identity(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o640)
    with pytest.raises(IdentityError, match="chmod 600"):
        load_identity(tmp_path / KEY_FILE)


def test_garbage_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(IdentityError, match="not a byteswarm"):
        load_identity(path)
