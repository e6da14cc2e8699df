"""Peak RSS of one forward, one SPSA step and one Adam step, each in a fresh process.

``python -m bench.finetune.memory forward|spsa|adam`` prints JSON {baseline_mib, peak_mib}:
RSS after loading the model and one warm-up forward, and the peak RSS during the operation
(the kernel's high-water mark is reset after the warm-up).
"""

from __future__ import annotations

import argparse
import json
import resource

import torch

from models.spsa.bert import load_minilm, tokenizer_path
from models.spsa.directions import direction
from models.spsa.engine import projected_gradient
from models.spsa.layout import bitfit_layout
from models.spsa.polarity import PolarityLoss, WordTokenizer, make_batch, split_words, vader_words
from models.spsa.torch_backend import TorchEncoder


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:  # "5" resets VmHWM (Linux >= 4.0)
        refs.write("5")


def main(what: str, batch_size: int = 32) -> None:
    torch.set_num_threads(1)
    config, weights = load_minilm()
    layout = bitfit_layout({n: w.shape for n, w in weights.items()})
    encoder = TorchEncoder(config, layout, weights)
    task = PolarityLoss(encoder)
    theta = layout.flatten(weights)
    batch = make_batch(WordTokenizer(tokenizer_path()), split_words(vader_words())[0][:batch_size])
    task.loss(theta, batch)  # warm-up: allocator pools exist before the baseline
    baseline = _rss_mib()
    _reset_peak()
    if what == "forward":
        task.loss(theta, batch)
    elif what == "spsa":
        projected_gradient(
            lambda t: task.loss(t, batch), theta, direction("m", 0, "p", theta.size), 1e-3
        )
    elif what == "adam":
        t = torch.from_numpy(theta.copy()).requires_grad_(True)
        optimizer = torch.optim.Adam([t], lr=1e-3)
        words = encoder.embed_tensor(
            t[None],
            torch.from_numpy(batch.input_ids)[None],
            torch.from_numpy(batch.attention_mask)[None],
        )[0]
        prompts = encoder.embed_tensor(
            t[None],
            torch.from_numpy(batch.prompt_ids)[None],
            torch.from_numpy(batch.prompt_mask)[None],
        )[0]
        loss = torch.nn.functional.cross_entropy(
            20.0 * words @ prompts.T, torch.from_numpy(batch.labels)
        )
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    else:
        raise SystemExit(f"unknown probe {what!r}")
    print(
        json.dumps(
            {
                "what": what,
                "baseline_mib": baseline,
                "peak_mib": _peak_mib(),
                "after_mib": _rss_mib(),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("forward", "spsa", "adam"))
    main(parser.parse_args().what)
