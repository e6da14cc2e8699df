"""Config: defaults work with no file; unknown keys and bad values name the key."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from models.rank.config import PRESETS
from node.config.errors import ConfigError
from node.config.services import RankSettings
from node.config.settings import DATA_DIR_ENV, NodeConfig, duration_fields, load_config
from node.rank.index import DEFAULT_PRESET


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    config = load_config(None)
    assert config == NodeConfig()
    assert config.gossip.heartbeat_interval == 1.0  # not py-libp2p's 120 s
    assert config.listen == ("/ip4/127.0.0.1/tcp/0",)
    assert "byteswarm" in str(config.data_dir)


def test_env_var_sets_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "x"))
    assert load_config(None).data_dir == tmp_path / "x"


def test_file_values_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'role = "cloud"\nbootstrap = ["/ip4/1.2.3.4/tcp/1/p2p/Qm"]\n'
        "[gossip]\ndegree = 5\n[sync]\ninterval = 2\n",
    )
    config = load_config(path, role=None, listen=["/ip4/0.0.0.0/tcp/4001"])
    assert config.role == "cloud"
    assert config.gossip.degree == 5
    assert config.sync.interval == 2.0
    assert config.listen == ("/ip4/0.0.0.0/tcp/4001",)
    assert config.bootstrap == ("/ip4/1.2.3.4/tcp/1/p2p/Qm",)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("colour = 1\n", "colour"),
        ("[gossip]\nhearbeat_interval = 1\n", "gossip.hearbeat_interval"),
        ('role = "phone"\n', "role"),
        ('[gossip]\ndegree = "six"\n', "gossip.degree"),
        ("[sync]\ninterval = -1\n", "sync.interval"),
        ('listen = "/ip4/1.2.3.4/tcp/1"\n', "listen"),
        ("gossip = 3\n", "gossip"),
        ("[gossip]\ndegree_low = 9\n", "gossip.degree"),
        ("status_interval = true\n", "status_interval"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(write(tmp_path, text))


def test_unreadable_or_invalid_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "a = [\n"))


def test_config_is_frozen() -> None:
    config = NodeConfig()
    with pytest.raises(AttributeError):
        config.role = "cloud"  # type: ignore[misc]


def test_finetune_table_takes_an_optional_path_and_a_backend(tmp_path: Path) -> None:
    path = write(tmp_path, '[finetune]\nbackend = "onnxruntime"\nencoder_dir = "~/enc"\n')
    config = load_config(path)
    assert config.finetune.backend == "onnxruntime"
    assert config.finetune.encoder_dir == Path("~/enc").expanduser()
    assert load_config(None).finetune.encoder_dir is None
    with pytest.raises(ConfigError, match=r"finetune\.backend"):
        load_config(write(tmp_path, '[finetune]\nbackend = "cuda"\n'))
    with pytest.raises(ConfigError, match=r"finetune\.encoder_dir"):
        load_config(write(tmp_path, "[finetune]\nencoder_dir = 3\n"))


def test_rank_table_names_a_preset(tmp_path: Path) -> None:
    assert load_config(None).rank.preset == "byteswarm_v5"
    assert PRESETS[load_config(None).rank.preset] is DEFAULT_PRESET
    path = write(tmp_path, '[rank]\npreset = "byteswarm"\n')
    assert load_config(path).rank.preset == "byteswarm"
    path = write(tmp_path, '[rank]\npreset = "byteswarm_v3"\n')
    assert PRESETS[load_config(path).rank.preset].estimator == "beta"
    with pytest.raises(ConfigError, match=r"rank\.preset"):
        load_config(write(tmp_path, '[rank]\npreset = "fastest"\n'))


def test_every_preset_can_be_named_in_the_config(tmp_path: Path) -> None:
    named = typing.get_args(typing.get_type_hints(RankSettings)["preset"])
    assert set(named) == set(PRESETS)
    for name in PRESETS:
        path = write(tmp_path, f'[rank]\npreset = "{name}"\n')
        assert PRESETS[load_config(path).rank.preset] is PRESETS[name]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("status_interval = nan\n", "status_interval"),
        ("status_interval = inf\n", "status_interval"),
        ("[sync]\ninterval = nan\n", "sync.interval"),
        ("[peer_limits]\nburst = -inf\n", "peer_limits.burst"),
        ("[adapt]\nupload_fraction = nan\n", "adapt.upload_fraction"),
    ],
)
def test_every_float_must_be_finite(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key) + ": must be a finite"):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize("key", sorted(duration_fields(NodeConfig(), "")))
def test_every_duration_must_be_positive(tmp_path: Path, key: str) -> None:
    table, _, name = key.rpartition(".")
    text = f"[{table}]\n{name} = 0\n" if table else f"{name} = 0\n"
    with pytest.raises(ConfigError, match=re.escape(key) + ": must be positive"):
        load_config(write(tmp_path, text))


def test_the_command_reference_names_every_config_key() -> None:
    """docs/commands.md lists every key a config file may hold (a new key must be named)."""
    import dataclasses
    from pathlib import Path

    from node.config.settings import NodeConfig

    text = (Path(__file__).parents[3] / "docs" / "commands.md").read_text()
    missing = []
    for field in dataclasses.fields(NodeConfig):
        factory = field.default_factory
        if factory is not dataclasses.MISSING and dataclasses.is_dataclass(factory):
            if f"`[{field.name}]`" not in text:
                missing.append(f"[{field.name}]")
            missing += [
                f"{field.name}.{f.name}"
                for f in dataclasses.fields(factory)
                if f"`{f.name}`" not in text
            ]
        elif f"`{field.name}`" not in text:
            missing.append(field.name)
    assert not missing, f"docs/commands.md does not name: {missing}"
