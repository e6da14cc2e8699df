"""The CLI documents itself, and every user error is one line with exit code 2."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from node.cli.app import cli

ROOT = Path(__file__).resolve().parents[3]


def all_commands() -> list[tuple[str, click.Command]]:
    main_group = cli
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        for name, command in sorted(group.commands.items()):
            found.append((f"{prefix} {name}".strip(), command))
            if isinstance(command, click.Group):
                walk(f"{prefix} {name}", command)

    walk("", main_group)
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = all_commands()
    assert {"run", "status", "peers", "id", "demo"} <= {name for name, _ in commands}
    runner = CliRunner()
    for name, command in commands:
        assert (command.help or "").strip(), f"`byteswarm {name}` has no help text"
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, result.output
        assert re.search(rf"`byteswarm {re.escape(name)}\b", readme), (
            f"`byteswarm {name}` is not documented in README.md"
        )


def test_every_command_the_readme_lists_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `byteswarm (\w+)` \|", readme, flags=re.MULTILINE))
    assert {"run", "export", "adapt", "train", "demo"} <= listed  # the table is still there
    assert listed <= {name for name, _ in all_commands()}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node", *args], capture_output=True, text=True, timeout=60, env=env
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") or last.startswith("Error:"), result.stderr
    assert needle in last, result.stderr


def test_bad_multiaddr(tmp_path: Path) -> None:
    result = run_cli("run", "--data-dir", str(tmp_path), "--listen", "/ip4/999.1.1.1/tcp/1")
    assert_one_line_error(result, "bad multiaddr")


def test_bootstrap_without_peer_id(tmp_path: Path) -> None:
    result = run_cli("run", "--data-dir", str(tmp_path), "--bootstrap", "/ip4/127.0.0.1/tcp/1")
    assert_one_line_error(result, "/p2p/")


def test_data_dir_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("run", "--data-dir", str(blocker / "sub"))
    assert_one_line_error(result, "not writable")


def test_unreadable_key_file(tmp_path: Path) -> None:
    (tmp_path / "identity.key").write_bytes(b"junk")
    (tmp_path / "identity.key").chmod(0o600)
    result = run_cli("run", "--data-dir", str(tmp_path))
    assert_one_line_error(result, "identity.key")


def test_unknown_config_key(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[gossip]\nfanout = 3\n")
    result = run_cli("run", "--data-dir", str(tmp_path), "--config", str(config))
    assert_one_line_error(result, "gossip.fanout")


@pytest.mark.network
def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "run", "--data-dir", str(tmp_path), "--listen", f"/ip4/127.0.0.1/tcp/{port}"
        )
    assert_one_line_error(result, "cannot listen")


@pytest.mark.network
def test_port_held_with_reuseport_is_refused(tmp_path: Path) -> None:
    # py-libp2p's listener sets SO_REUSEPORT, so a port another daemon holds binds again.
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "run", "--data-dir", str(tmp_path), "--listen", f"/ip4/127.0.0.1/tcp/{port}"
        )
    assert_one_line_error(result, f"cannot listen on /ip4/127.0.0.1/tcp/{port}")


def test_udp_listen_is_not_supported(tmp_path: Path) -> None:
    result = run_cli("run", "--data-dir", str(tmp_path), "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
    assert_one_line_error(result, "UDP/QUIC is not supported")


def test_status_without_a_node(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("status", "--data-dir", str(tmp_path)), "byteswarm run")
    assert_one_line_error(run_cli("id", "--data-dir", str(tmp_path)), "byteswarm run")


def test_publish_refuses_nan(tmp_path: Path) -> None:
    result = run_cli("publish", "hello", "--value", "nan", "--data-dir", str(tmp_path))
    assert_one_line_error(result, "finite")


def test_data_dir_under_a_file_is_one_line_for_every_command(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    under = str(blocker / "sub")
    for args in (["click", "blue", "t1"], ["search", "blue"], ["publish", "x"], ["notes"]):
        assert_one_line_error(run_cli(*args, "--data-dir", under), "is a file")


def test_nan_status_interval_is_refused_before_the_daemon_starts(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("status_interval = nan\n")
    result = run_cli("run", "--data-dir", str(tmp_path / "d"), "--config", str(config))
    assert_one_line_error(result, "status_interval: must be a finite number")
    assert not (tmp_path / "d").exists()


# Bad input for every command, none needing a node: each must exit 2 with one error line.
# ``{file}`` is a regular file, ``{dir}`` an empty data dir, ``{under}`` a path under a file.
BAD_INPUT: dict[str, list[str]] = {
    "adapt": ["nope"],
    "adapt start": ["--minutes nan", "--samples 0", "--data-dir {dir}", "--data-dir {under}"],
    "adapt status": ["--data-dir {dir}", "--data-dir {under}"],
    "adapt stop": ["--data-dir {dir}", "--data-dir {under}"],
    "click": ["'' t1", "blue t1 --shown t2", "blue t1 --data-dir {under}"],
    "demo": ["--peers 1", "--peers nan", "--seed -1", "--tui yes"],
    "events": ["--limit 0", "--data-dir {dir}", "--data-dir {under}"],
    "history": ["--since 1x", "--since 0m", "--points 0", "--data-dir {dir}", "--data-dir {under}"],
    "export": [
        "--model nope --out {dir}/o",
        "--model device --out {under}/o",
        "--model device --prompt {dir}/none.npy --out {dir}/o",
    ],
    "id": ["--wait nan", "--wait 0 --data-dir {dir}", "--data-dir {under}"],
    "items": ["nope"],
    "items import": ["{dir}/missing.jsonl", "{file}", "{file} --data-dir {under}"],
    "notes": ["--limit 0", "--data-dir {dir}", "--data-dir {under}"],
    "pass": [
        "blue",
        "'' --shown t1",
        "blue --shown t1 --shown t1",
        "blue --shown t1 --data-dir {dir}",
        "blue --shown t1 --data-dir {under}",
    ],
    "peers": ["--data-dir {dir}", "--data-dir {under}"],
    "publish": ["''", "x --rate nan", "x --value inf", "x --count 0", "x --data-dir {dir}"],
    "run": [
        "--role nope --data-dir {dir}",
        "--listen junk --data-dir {dir}",
        "--config {dir}/missing.toml --data-dir {dir}",
        "--data-dir {under}",
    ],
    "search": [
        "''",
        "blue -k 0",
        "blue --data-dir {under}",
        "blue --config {dir}/missing.toml",
        "blue --config {file}",
    ],
    "status": ["--data-dir {dir}", "--data-dir {under}"],
    "stop": ["--timeout nan", "--data-dir {dir}", "--data-dir {under}"],
    "train": ["nope"],
    "train export": ["--run r --out {dir}/t.st --data-dir {dir}", "--run r --out {dir}/t.st"],
    "train export-encoder": ["--model nope"],
    "train start": [
        "--run R_BAD --data-dir {dir}",
        "--run r --round-seconds nan --data-dir {dir}",
        "--run r --lr nan --data-dir {dir}",
        "--run r --decay-floor nan --data-dir {dir}",
        "--run r --pull-every 3 --data-dir {dir}",
        "--run r --data-dir {dir}",
    ],
    "train status": ["--data-dir {dir}", "--data-dir {under}"],
    "train stop": ["--run r --data-dir {dir}", "--run r --data-dir {under}"],
    "train verify": ["--run r --data-dir {dir}", "--run r --data-dir {under}"],
    "tui": ["--data-dir {dir}", "--data-dir {under}"],
}


def test_every_command_refuses_bad_input_with_one_line_and_exit_2(tmp_path: Path) -> None:
    import shlex

    assert set(BAD_INPUT) == {name for name, _ in all_commands()}, "a command without a case"
    paths = {"file": tmp_path / "f.txt", "dir": tmp_path / "d", "under": tmp_path / "f.txt/sub"}
    paths["file"].write_text("not a catalogue\n")
    paths["dir"].mkdir()
    runner = CliRunner()
    for name, cases in BAD_INPUT.items():
        assert runner.invoke(cli, [*name.split(), "--help"]).exit_code == 0, name
        for case in cases:
            args = [*name.split(), *shlex.split(case.format(**paths))]
            if "--data-dir" not in args and "data_dir" in _params(name):
                args += ["--data-dir", str(paths["dir"])]
            result = runner.invoke(cli, args, env={"BYTESWARM_DATA_DIR": None})
            where = f"byteswarm {' '.join(args)}:\n{result.output}"
            assert result.exit_code == 2, where
            assert isinstance(result.exception, SystemExit), (where, result.exception)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].lower().startswith("error: "), where
            assert not result.stdout.strip(), where
            assert not any(paths["dir"].iterdir()), f"{where}\nleft {list(paths['dir'].iterdir())}"


def _params(name: str) -> set[str]:
    command = dict(all_commands())[name]
    return {p.name for p in command.params if p.name}
