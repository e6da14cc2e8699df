"""byteswarm export: torch -> ONNX/ORT with a model contract (docs/architecture.md §7).

- ``cli.py``         — the ``byteswarm export`` click command (imports torch only when run).
- ``errors.py``      — ExportError (bad request) and ModelRefused (a file that is not ours).
- ``contract.py``    — the ``byteswarm.*`` key/value contract, its typed view and sidecar JSON.
- ``versions.py``    — pinned opset, IR version and the onnxruntime-android release they serve.
- ``spec.py``        — ModelSpec: what a model hands the pipeline (module, inputs, contract).
- ``weights.py``     — the default weights cache folder and the torch-weights hash.
- ``device.py``      — the device CNN spec (folded, prompt as graph inputs, digits data).
- ``adapted.py``     — the device spec with one accepted prompt baked in (``--prompt``).
- ``polarity.py``    — the MiniLM polarity spec (token ids -> two cosine class scores).
- ``torch_export.py`` — torch dynamo export to an in-memory ModelProto.
- ``onnx_file.py``   — strip debug metadata, pin versions, fix batch, hash weights, serialize.
- ``quantize.py``    — int8 dynamic and static (QDQ) variants.
- ``runtime.py``     — onnxruntime sessions, parity and top-1 agreement.
- ``bound_runner.py`` — torch-free CPU session options and the IOBinding runner a device uses.
- ``goldens.py``     — golden input/output ``.npy`` files beside the model.
- ``mobile.py``      — ORT-format conversion and the mobile usability report.
- ``verify.py``      — verify_model / load_contract: refuse files that are not ours.
- ``pipeline.py``    — export_model: every step above, writing DIR and a report.
- ``android.py``     — copy the artifacts into ``android_demo``'s assets.
"""
