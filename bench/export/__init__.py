"""ONNX export benches (``export/``).

Commands (``python -m bench.export.<name>``):

- ``variants.py`` — per model and variant: file size, parity, int8 agreement, onnxruntime
  vs torch eager latency and session load (``results/onnx*.json``).
- ``breakdown.py`` — where a batch-1 device inference spends its time
  (``results/onnx_breakdown.json``).

Pieces:

- ``timing.py`` — interleaved median timing of calls, the machine description.
- ``variants_report.py`` — ``variants.py``'s runs as mean ± std per variant, whole bench
  runs merged, the speed-up plot.
"""
