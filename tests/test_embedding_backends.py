"""Embedding backends: the ONNX export is made locally once and reused, embeds like torch,
is recorded in the manifest, and an index is only answered with the backend that built it.

The network is blocked in tests (pytest-socket), so every export here is made offline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.index import onnx_export, store
from guide_assistant.index.embedding import Embedder
from guide_assistant.settings import PACKAGED_MODEL
from tests.helpers import tiny_corpus

TEXTS = [
    "Supervision must be given by a registered social worker.",
    "A lone-working policy should cover risk assessment and check-in procedures.",
    "AMHP",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One model cache for the module: the export is made once, by the first test."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def onnx_settings(tmp_path, cache):
    return tiny_corpus(tmp_path).model_copy(
        update={"embedding_backend": "onnx", "embedding_cache_dir": cache}
    )


def test_the_onnx_export_is_made_once_and_reused(cache):
    embedder = Embedder(PACKAGED_MODEL, backend="onnx", cache_dir=cache)
    info = embedder.export
    assert info is not None
    onnx_file = onnx_export.cache_folder(cache, embedder.path, "onnx") / info.file
    assert onnx_export.sha256_file(onnx_file) == info.sha256
    made = onnx_file.stat().st_mtime_ns
    again = Embedder(PACKAGED_MODEL, backend="onnx", cache_dir=cache)
    assert again.export == info
    assert onnx_file.stat().st_mtime_ns == made  # read, not exported again
    assert not [p for p in onnx_file.parent.iterdir() if p.name.startswith(".")]  # no temp files


def test_onnx_embeds_like_torch(cache):
    onnx = Embedder(PACKAGED_MODEL, backend="onnx", cache_dir=cache).embed(TEXTS)
    torch = Embedder(PACKAGED_MODEL, backend="torch").embed(TEXTS)
    assert onnx.shape == torch.shape == (3, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert float((onnx * torch).sum(axis=1).min()) > 0.9999
    query = Embedder(PACKAGED_MODEL, backend="onnx", cache_dir=cache).embed_query(TEXTS[0])
    assert float(query @ torch[0]) > 0.9999


def test_the_manifest_records_the_backend_and_the_export(onnx_settings, cache):
    indexing.build(onnx_settings)
    manifest = store.read_manifest(store.current_build(onnx_settings))
    assert manifest["embedding_backend"] == "onnx"
    info = onnx_export.cached(cache, Embedder.from_settings(onnx_settings).path, "onnx")
    assert info is not None
    assert manifest["embedding_export"]["sha256"] == info.sha256
    assert manifest["fingerprint"]["embedding_backend"] == "onnx"


def test_another_backend_is_refused_with_the_fix_named(onnx_settings):
    indexing.build(onnx_settings)
    torch_settings = onnx_settings.model_copy(update={"embedding_backend": "torch"})
    with pytest.raises(store.IndexError_) as refused:
        Assistant.load(torch_settings, build_if_missing=False)
    assert "GUIDE_EMBEDDING_BACKEND=onnx" in str(refused.value)
    assert "ingest --rebuild" in str(refused.value)
    # Ingesting with the new backend embeds everything again: no vector is reused across.
    report = indexing.build(torch_settings)
    assert not report.noop
    assert report.reused == 0
    assert report.embedded > 0
    assert Assistant.load(torch_settings, build_if_missing=False).ask("supervision").citations


def test_another_export_of_the_model_is_refused(onnx_settings):
    indexing.build(onnx_settings)
    build = store.current_build(onnx_settings)
    manifest = store.read_manifest(build)
    manifest["embedding_export"]["sha256"] = "0" * 64
    (build / store.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(store.IndexError_, match=r"another ONNX export.*ingest --rebuild"):
        Assistant.load(onnx_settings, build_if_missing=False)


def test_answering_with_onnx_never_imports_torch(onnx_settings):
    indexing.build(onnx_settings)
    s = onnx_settings
    env = {
        **os.environ,
        "GUIDE_CORPUS_DIR": str(s.corpus_dir),
        "GUIDE_USER_DOCS_DIR": str(s.user_docs_dir),
        "GUIDE_INDEX_DIR": str(s.index_dir),
        "GUIDE_DATA_DIR": str(s.data_dir),
        "GUIDE_EMBEDDING_BACKEND": "onnx",
        "GUIDE_EMBEDDING_CACHE_DIR": str(s.embedding_cache_dir),
    }
    code = (
        "import sys; from guide_assistant import Assistant; "
        "a = Assistant.load(build_if_missing=False); "
        "print(bool(a.ask('how often is supervision?').retrieved), 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False"]
