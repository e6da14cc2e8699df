"""Headless Chromium driven over the DevTools protocol (aiohttp's websocket client): load
a page, wait in real time (the app paints over a websocket, which ``--screenshot``
does not wait for), save a screenshot."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def screenshot(chromium: str, url: str, out: Path, wait_s: float = 8.0) -> None:
    port = free_port()
    browser = subprocess.Popen(
        [
            *(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"),
            *("--window-size=1280,800", f"--remote-debugging-port={port}"),
            *("--remote-allow-origins=*", "about:blank"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pages = _targets(port)
        ws_url = next(p["webSocketDebuggerUrl"] for p in pages if p.get("type") == "page")
        out.write_bytes(asyncio.run(_shoot(ws_url, url, wait_s)))
    finally:
        browser.terminate()
        browser.wait(10)


def _targets(port: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                found: list[dict[str, Any]] = json.loads(r.read())
                if any(p.get("type") == "page" for p in found):
                    return found
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("chromium's DevTools did not answer")
        time.sleep(0.2)


async def _shoot(ws_url: str, url: str, wait_s: float) -> bytes:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        ids = iter(range(1, 1000))

        async def call(method: str, **params: Any) -> dict[str, Any]:
            n = next(ids)
            await ws.send_json({"id": n, "method": method, "params": params})
            while True:
                message = json.loads((await ws.receive()).data)
                if message.get("id") == n:
                    return dict(message.get("result", {}))

        await call("Page.enable")
        await call("Page.navigate", url=url)
        await asyncio.sleep(wait_s)
        shot = await call("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])
