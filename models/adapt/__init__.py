"""Cloud-device prompt adaptation (U-VPA-like): a frozen device model, a cloud prompt learner.

Device side (numpy + onnxruntime only, no torch):
- ``digits.py``       — sklearn's bundled digits, 16×16 uint8, fixed seeded splits.
- ``imaging.py``      — numpy resize, blur, rotate, affine, shift.
- ``corruptions.py``  — the tuned corruption domains (noise, blur, fog, …, shift, zoom).
- ``unseen.py``       — the unseen split: families no setting was chosen on.
- ``stream.py``       — a continual stream of domains in batches of uint8 images, in order
  or reordered into short segments.
- ``domain_keys.py``  — the device tells its domains apart from nine image statistics.
- ``prompts.py``      — prompt families: graph input names, shapes, neutral values.
- ``payload.py``      — the prompt on the wire: fp16 bytes, version, sha256.
- ``validator.py``    — accept/reject a received prompt; keeps the last good one.
- ``uncertainty.py``  — entropy, TTA variance, MC channel dropout; upload selection (top
  fraction, half top/half random, class-balanced, score-proportional).
- ``ledger.py``       — uplink/downlink bytes and forward passes.
- ``device.py``       — the device step: predict, score, pick uploads, apply prompts.
- ``runner.py``       — the device forward pass over onnxruntime.

Cloud and training side (torch):
- ``nets.py``         — device CNN (BatchNorm, folded form, prompted forms with the affine
  warp), teacher CNN.
- ``training.py``     — deterministic training, safetensors cache with the seed.
- ``onnx_export.py``  — the folded device model to ONNX with prompt graph inputs.
- ``cloud.py``        — the teacher labels uploads; a prompt is fitted on a buffer, one per
  device domain or one reset when a new domain is noticed.
- ``cloud_config.py`` — the learner's settings and each family's preset.
- ``warm_start.py``   — analytic starts: feature statistics aligned (BN adaptation done by
  the cloud), ink-moment warp.
- ``domain_shift.py`` — a new domain noticed from the uploads' image statistics.
- ``references.py``   — BN-statistics adaptation and TENT (need an updatable device model).
"""
