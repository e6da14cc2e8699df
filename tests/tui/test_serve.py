"""``byteswarm tui --serve``: the app in a browser. A test starts the server, loads the
page in headless Chromium (Debian's ``chromium``; scripts/test.sh installs it where apt
exists) and keeps the screenshot in its tmp dir."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from node.config.settings import STORE_FILE
from node.store.database import Store
from tests.tui.browser import free_port, screenshot
from tui.serve import app_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def running_commands() -> list[str]:
    """Every process's command line (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            found.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def test_each_session_runs_the_terminal_app_on_the_same_dirs(tmp_path: Path) -> None:
    command = app_command([tmp_path / "a", tmp_path / "b c"], read_only=True)
    assert command.endswith(
        f"-m node tui --data-dir {tmp_path}/a --data-dir '{tmp_path}/b c' --read-only"
    )


@pytest.mark.integration
@pytest.mark.network
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install -y chromium")
def test_serve_loads_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image

    data_dir = tmp_path / "node"
    data_dir.mkdir()
    with Store.open(data_dir / STORE_FILE) as store:
        store.add_event("node", "served to a browser")
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "node", "tui", "--serve"),
            *("--port", str(port), "--data-dir", str(data_dir)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        assert "byteswarm" in page
        shot = tmp_path / "serve.png"
        assert CHROMIUM is not None
        screenshot(CHROMIUM, url, shot)
        sessions = [c for c in running_commands() if f"node tui --data-dir {data_dir}" in c]
        assert sessions, "the page did not start an app session"
        with Image.open(shot) as image:
            band = image.convert("RGB").crop((0, 15, 1280, 45)).resize((1, 1), Image.BOX)
            red, _, blue = band.getpixel((0, 0))  # type: ignore[misc]
        # Under the header the app paints its amber "No node is running" banner; the
        # splash page before a session starts is dark blue there (about 12, 24, 31).
        assert red > blue + 15, f"no banner in {shot} (mean colour {band.getpixel((0, 0))})"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
