"""The namespace fabric: hosts reach each other only over the bridge, cuts and partitions
cut exactly what they say, heal restores, and nothing is left behind."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.network.netns import Fabric, ip, sweep, unavailable_reason

pytestmark = [pytest.mark.network, pytest.mark.integration]

SERVER = (
    "import socket, sys\n"
    "s = socket.create_server((sys.argv[1], 4001))\n"
    "while True:\n"
    "    s.accept()[0].close()\n"
)
PROBE = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], 4001), timeout=1).close()\n"
    "    print('ok')\n"
    "except OSError:\n"
    "    print('no')\n"
)


@pytest.fixture
def fabric() -> Iterator[Fabric]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    with Fabric(3) as f:
        server = subprocess.Popen([*f.exec_prefix(1), sys.executable, "-c", SERVER, f.address(1)])
        time.sleep(0.5)
        try:
            yield f
        finally:
            server.kill()
            server.wait()


def reaches(f: Fabric, i: int, j: int) -> bool:
    done = subprocess.run(
        [*f.exec_prefix(i), sys.executable, "-c", PROBE, f.address(j)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip() == "ok"


def namespaces() -> set[str]:
    return {line.split()[0] for line in ip("netns", "list").stdout.splitlines() if line}


def test_hosts_reach_each_other_over_the_bridge_and_faults_cut_exactly(fabric: Fabric) -> None:
    f = fabric
    assert reaches(f, 0, 1) and reaches(f, 2, 1)
    f.partition([[0, 1], [2]])
    assert reaches(f, 0, 1) and not reaches(f, 2, 1)
    f.heal()
    assert reaches(f, 2, 1)
    f.cut(1)
    assert not reaches(f, 0, 1)
    f.restore(1)
    assert reaches(f, 0, 1)


def test_the_address_exists_only_inside_the_namespaces(fabric: Fabric) -> None:
    root = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True).stdout
    assert fabric.address(1) not in root
    inside = ip("-n", fabric.hosts[1], "-o", "addr").stdout
    assert f"{fabric.address(1)}/24" in inside


def test_close_removes_every_namespace_and_two_fabrics_do_not_collide() -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    with Fabric(2) as a, Fabric(2) as b:
        assert a.address(0) == b.address(0)  # same addresses, separate bridges
        made = {a.bridge_ns, b.bridge_ns, *a.hosts, *b.hosts}
        assert made <= namespaces()
    assert not made & namespaces()


def test_sweep_removes_namespaces_of_a_dead_process() -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    child = subprocess.Popen(["true"])
    child.wait()
    stale = f"bsw{child.pid}x0-h0"
    ip("netns", "add", stale)
    try:
        assert stale in sweep()
        assert stale not in namespaces()
    finally:
        ip("netns", "del", stale, check=False)


def test_daemons_run_this_checkout() -> None:
    """The cluster runs ``python -m node`` from the checkout these tests belong to."""
    from bench.network.cluster import ROOT, checkout_env

    here = Path(__file__).resolve().parents[3]
    assert here == ROOT
    assert checkout_env()["PYTHONPATH"] == str(here)


HARNESS = """
import sys, time
from pathlib import Path
from bench.network.cluster import Cluster
from bench.network.netns import Fabric
fabric = Fabric(2).create()
cluster = Cluster(fabric, Path(sys.argv[1]))
cluster.start(0)
print(cluster.procs[0].pid, *fabric.hosts, fabric.bridge_ns, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_harness_that_dies_leaves_no_daemon_and_no_namespace(tmp_path: Path, how: str) -> None:
    """SIGTERM: the harness unwinds and deletes its namespaces. SIGKILL: its daemons die
    with it (parent-death signal) and the next fabric sweeps its namespaces."""
    import os
    import signal

    from bench.network.cluster import ROOT, checkout_env

    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=checkout_env(),
        cwd=ROOT,
    )
    assert harness.stdout is not None
    daemon, *names = harness.stdout.readline().split()
    assert set(names) <= namespaces()
    harness.send_signal(getattr(signal, how))
    harness.wait(timeout=30)
    deadline = time.monotonic() + 20
    while os.path.exists(f"/proc/{daemon}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{daemon}"), "the daemon outlived its harness"
    if how == "SIGKILL":
        sweep()
    assert not set(names) & namespaces()
