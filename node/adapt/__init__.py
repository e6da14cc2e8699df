"""``adapt``: cloud-device prompt adaptation (``models.adapt``).

- ``device.py`` — ``DeviceAdapt``: predict on onnxruntime, upload the uncertain, apply
  validated prompts.
- ``cloud.py``  — ``CloudAdapt``: label uploads with a teacher, learn a prompt, sign it back.
- ``prompt_file.py`` — the device's last accepted prompt on disk (what the export bakes in).
- ``budget.py`` — ``AdaptBudget``: when adaptation may work, as the operator set it.
"""
