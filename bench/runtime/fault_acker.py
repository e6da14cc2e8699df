"""The operator during an attack: ``python -m bench.runtime.fault_acker DATA_DIR COUNT SECONDS``.

Publishes ``COUNT`` notes on the node in ``DATA_DIR``, one every ``SECONDS / COUNT``, each
through ``send_control`` as ``byteswarm publish`` does, and prints one JSON object: the
acknowledge latency of each (ms) and the failures. It runs in its own process so that the
attackers in ``bench/runtime/faults.py``'s process (and their hold on its GIL) are not timed, nor
the imports of its first call (a ``byteswarm publish`` pays them at start-up).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from node.cli.control import send_control


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="the data dir of the running node")
    parser.add_argument("count", type=int, help="publishes")
    parser.add_argument("seconds", type=float, help="spread over this many seconds")
    args = parser.parse_args()
    data_dir, count, seconds = args.data_dir, args.count, args.seconds
    import node.store.database  # noqa: F401  (what send_control imports on first use: not timed)

    acks: list[float] = []
    failures: list[str] = []
    start = time.monotonic()
    for i in range(count):
        time.sleep(max(0.0, start + i * seconds / count - time.monotonic()))
        began = time.monotonic()
        try:
            send_control(data_dir, "publish", {"text": "ack", "value": 1.0}, timeout=10.0)
        except Exception as exc:
            failures.append(str(exc))
            continue
        acks.append(round(1000 * (time.monotonic() - began), 2))
    print(json.dumps({"acks_ms": acks, "failures": failures}))


if __name__ == "__main__":
    main()
