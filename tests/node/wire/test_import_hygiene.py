"""node.wire imports neither the network stack nor trio."""

from __future__ import annotations

import subprocess
import sys


def test_wire_imports_neither_libp2p_nor_trio() -> None:
    code = (
        "import sys, node.wire; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'libp2p', 'trio', 'base58'}); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
