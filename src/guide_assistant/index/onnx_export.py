"""The ONNX copy of the embedding model: exported from the local weights on first use, cached.

Nothing is downloaded: torch traces the packaged (or local) transformer once, optionally
onnxruntime quantises it to int8, and the file is kept in a cache folder under the index home
with ``export.json`` (its sha256, what it was made from). Later runs only read it, so answering
with ONNX never imports torch. Files are written under a temporary name and renamed, so a
killed export leaves no half-written model behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import uuid
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
INFO = "export.json"
ONNX_BACKENDS = ("onnx", "onnx-int8")


class ExportError(RuntimeError):
    """The model could not be exported to ONNX; the message says why and what to do."""


class ExportInfo(BaseModel):
    """What a cached ONNX file is and where it came from (also recorded in build manifests)."""

    backend: str
    file: str
    sha256: str
    source: str
    source_signature: str
    opset: int
    versions: dict[str, str]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def source_signature(model_dir: Path) -> str:
    """A cheap fingerprint of the weights folder (names, sizes, modification times)."""
    parts = [
        f"{p.relative_to(model_dir)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(model_dir.rglob("*"))
        if p.is_file()
    ]
    return hashlib.sha256("\n".join([str(model_dir), *parts]).encode()).hexdigest()[:16]


def cache_folder(cache_dir: Path, model_dir: Path, backend: str) -> Path:
    """Where the export of ``model_dir`` for ``backend`` lives (one folder per source)."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_dir.name.lower()).strip("-") or "model"
    return cache_dir / f"{slug}-{backend}-{source_signature(model_dir)}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached(cache_dir: Path, model_dir: Path, backend: str) -> ExportInfo | None:
    """The cached export, if complete (its ``export.json`` is written last)."""
    folder = cache_folder(cache_dir, model_dir, backend)
    try:
        info = ExportInfo.model_validate_json((folder / INFO).read_text())
    except (OSError, ValueError):
        return None
    return info if (folder / info.file).is_file() else None


def ensure(cache_dir: Path, model_dir: Path, backend: str) -> tuple[Path, ExportInfo]:
    """The ONNX file for ``backend`` (exporting it now if not cached) and its info."""
    if backend not in ONNX_BACKENDS:
        raise ValueError(f"not an ONNX backend: {backend!r}")
    folder = cache_folder(cache_dir, model_dir, backend)
    info = cached(cache_dir, model_dir, backend)
    if info is None:
        info = _export(folder, model_dir, backend)
    return folder / info.file, info


def _export(folder: Path, model_dir: Path, backend: str) -> ExportInfo:
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    work.mkdir()
    try:
        fp32 = work / "model.onnx"
        _trace(model_dir, fp32)
        result = fp32
        if backend == "onnx-int8":
            result = work / "model-int8.onnx"
            _quantise(fp32, result)
        final = folder / result.name
        os.replace(result, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info = ExportInfo(
        backend=backend,
        file=final.name,
        sha256=sha256_file(final),
        source=str(model_dir),
        source_signature=source_signature(model_dir),
        opset=OPSET,
        versions={n: _version(n) for n in ("torch", "transformers", "onnx", "onnxruntime")},
    )
    tmp = folder / f".{INFO}.{os.getpid()}.tmp"
    tmp.write_text(info.model_dump_json(indent=1))
    os.replace(tmp, folder / INFO)
    return info


def _trace(model_dir: Path, out: Path) -> None:
    """Trace the transformer (token embeddings out; pooling is done in numpy) to ONNX."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise ExportError(f"exporting to ONNX needs torch and transformers ({exc})") from None

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor
        ) -> torch.Tensor:
            return self.model(
                input_ids=input_ids, attention_mask=mask, token_type_ids=types
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_embeddings")}
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about python control flow
        torch.onnx.export(
            TokenEmbeddings(),
            (sample, sample, torch.zeros_like(sample)),
            str(out),
            input_names=list(INPUTS),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _quantise(fp32: Path, out: Path) -> None:
    """int8 weights, per output channel (per-tensor cost 0.04 of cosine to fp32 here)."""
    try:
        import onnx  # noqa: F401  (onnxruntime.quantization needs it)
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ExportError(f"int8 quantisation needs the onnx package ({exc})") from None
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for conv nets, not this model
    try:
        quantize_dynamic(
            str(fp32),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},  # FLOAT, where shape inference gives none
        )
    finally:
        root.setLevel(level)
