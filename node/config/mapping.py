"""TOML tables onto frozen dataclasses: every key known, every value of its field's type."""

from __future__ import annotations

import dataclasses
import math
import types
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from node.config.errors import ConfigError


def build(cls: type[Any], raw: dict[str, Any], prefix: str) -> Any:
    """The dataclass ``cls`` from the TOML table ``raw``; keys are named ``prefix + key``
    in errors. Unknown keys, wrong types, NaN/inf and values outside a ``Literal`` are
    ``ConfigError``s."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected a table")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"unknown config key: {prefix}{unknown[0]}")
    values = {name: coerce(hints[name], raw[name], prefix + name) for name in raw}
    return cls(**values)


def coerce(hint: Any, value: Any, key: str) -> Any:
    """``value`` checked against the field type ``hint`` (nested dataclasses are built)."""
    if dataclasses.is_dataclass(hint):
        return build(hint, value, key + ".")  # type: ignore[arg-type]
    origin = get_origin(hint)
    if origin is types.UnionType and type(None) in get_args(hint):
        (inner,) = [a for a in get_args(hint) if a is not type(None)]  # TOML has no null
        return coerce(inner, value, key)
    if hint is Path:
        if isinstance(value, str | Path):
            return Path(value).expanduser()
        raise ConfigError(f"{key}: expected a path string, got {type(value).__name__}")
    if origin is Literal:
        if value not in get_args(hint):
            allowed = ", ".join(repr(a) for a in get_args(hint))
            raise ConfigError(f"{key}: expected one of {allowed}, got {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ConfigError(f"{key}: expected a list of strings")
        if not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: every entry must be a string")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{key}: unsupported type")  # pragma: no cover
