"""Cloud-device prompt adaptation (U-VPA-like): a frozen device model, a cloud prompt learner.

Device side (numpy + onnxruntime only, no torch):
- ``digits.py``       — sklearn's bundled digits, 16×16 uint8, fixed seeded splits.
- ``imaging.py``      — numpy resize, blur, rotate, shift.
- ``corruptions.py``  — the corruption domains (noise, blur, fog, contrast, …), severity 1..5.
- ``stream.py``       — a continual stream of domains in batches of uint8 images.
- ``prompts.py``      — prompt families: graph input names, shapes, neutral values.
- ``payload.py``      — the prompt on the wire: fp16 bytes, version, sha256.
- ``validator.py``    — accept/reject a received prompt; keeps the last good one.
- ``uncertainty.py``  — entropy, TTA variance, MC channel dropout; upload selection (top
  fraction, half top/half random, class-balanced, score-proportional).
- ``ledger.py``       — uplink/downlink bytes and forward passes.
- ``device.py``       — the device step: predict, score, pick uploads, apply prompts.
- ``runner.py``       — the device forward pass over onnxruntime.

Cloud and training side (torch):
- ``nets.py``         — device CNN (BatchNorm, folded form, prompted forms) and teacher CNN.
- ``training.py``     — deterministic training, safetensors cache with the seed.
- ``onnx_export.py``  — the folded device model to ONNX with prompt graph inputs.
- ``cloud.py``        — the teacher labels uploads; a prompt is fitted on a buffer; a new
  domain is noticed from the loss or from the uploads' image statistics.
- ``references.py``   — BN-statistics adaptation and TENT (need an updatable device model).
"""
