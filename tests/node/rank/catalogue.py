"""The four-album catalogue the rank tests import, as a JSON-lines file."""

from __future__ import annotations

import json
from pathlib import Path

CATALOGUE = [
    {"id": "a1", "title": "Kind of Blue", "artist": "Miles Davis", "tags": ["jazz"]},
    {"id": "a2", "title": "Blue Train", "artist": "John Coltrane", "tags": ["jazz"]},
    {"id": "a3", "title": "Blue Lines", "artist": "Massive Attack", "tags": ["trip hop"]},
    {"id": "a4", "title": "Mezzanine", "artist": "Massive Attack", "tags": ["trip hop"]},
]


def write_catalogue(path: Path, rows: list[dict[str, object]] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows or CATALOGUE))
    return path
