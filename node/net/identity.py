"""The node's persistent Ed25519 identity: a 32-byte seed in a 0600 file.

The same seed signs libp2p traffic (via the host key) and our own author records
(via ``node.wire.sign_record``), so a record's author is its peer id.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_FILE = "identity.key"
_MAGIC = b"byteswarm-ed25519-v1\n"


class IdentityError(RuntimeError):
    """The key file is unreadable, malformed or too permissive."""


@dataclass(frozen=True)
class Identity:
    """A node identity: the private seed and the public key derived from it."""

    seed: bytes
    public_key: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if len(seed) != 32:
            raise IdentityError("an Ed25519 seed is 32 bytes")
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
        return cls(seed=seed, public_key=public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def generate(cls) -> Identity:
        return cls.from_seed(os.urandom(32))


def load_or_create_identity(data_dir: Path) -> Identity:
    """Load ``data_dir/identity.key``, creating it (mode 0600) on first start."""
    path = data_dir / KEY_FILE
    if path.exists():
        return load_identity(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    identity = Identity.generate()
    tmp = path.with_suffix(".tmp")
    # O_EXCL + 0600 from the start: the seed is never readable by others, even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC, 0o600)
    try:
        os.write(fd, _MAGIC + identity.seed)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(data_dir)
    return identity


def load_identity(path: Path) -> Identity:
    """Read an existing key file; refuse one that others can read."""
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except OSError as exc:
        raise IdentityError(f"cannot read key file {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise IdentityError(
            f"key file {path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
            "run: chmod 600 " + str(path)
        )
    if not raw.startswith(_MAGIC) or len(raw) != len(_MAGIC) + 32:
        raise IdentityError(f"key file {path} is not a byteswarm Ed25519 key")
    return Identity.from_seed(raw[len(_MAGIC) :])


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
