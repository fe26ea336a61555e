"""Small builders for test inputs: a tiny corpus, a real PDF with text, free ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from guide_assistant.settings import Settings

EDITION = """---
source_id: "{sid}"
title: "{title}"
year: "2020"
url: "https://example.org/{sid}"
---

# Part One

## Supervision

Organisations should:

- provide monthly professional supervision for every registered social worker;
- record supervision arrangements in a central database;
- protect time for AMHP supervision.

Supervision must be given by a registered social worker. This is a condition of good practice.

## Lone working

A lone-working policy should cover risk assessment, check-in procedures and emergency contacts.

# Appendix

The appendix lists terms used in the guidance.
"""

# Debian's chromium, headless and quiet: nothing it does may reach the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def tiny_corpus(root: Path) -> Settings:
    """Settings over a two-document corpus written to ``root`` (fast to embed)."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    docs = [("doc-a", "Doc A on supervision"), ("doc-b", "Doc B on staff safety")]
    lines = []
    for sid, title in docs:
        (corpus / f"{sid}.md").write_text(EDITION.format(sid=sid, title=title))
        lines += [
            "[[documents]]",
            f'source_id = "{sid}"',
            f'file = "{sid}.md"',
            f'title = "{title}"',
            "",
        ]
    (corpus / "sources.toml").write_text("\n".join(lines))
    return Settings(
        corpus_dir=corpus,
        user_docs_dir=root / "user_docs",
        index_dir=root / "indexes",
        data_dir=root / "data",
    )


def pdf_with_text(path: Path, lines: list[str]) -> Path:
    """Write a minimal, valid one-page PDF whose text pypdf can extract."""
    stream = (
        "BT /F1 12 Tf 72 720 Td 14 TL "
        + " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines)
        + " ET"
    )
    return pdf_from_stream(path, stream)


def pdf_from_stream(path: Path, stream: str) -> Path:
    """Write a one-page PDF (US Letter, Helvetica as /F1) drawing this content stream."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    path.write_bytes(out.encode("latin-1"))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(assistant, settings: Settings) -> Iterator[str]:
    """The chat app served on a free loopback port in a background thread, launched as
    ``serve`` launches it; yields its URL."""
    from guide_assistant.interfaces.web import app as ui

    demo = ui.build_app(assistant, settings)
    port = free_port()
    options = ui.launch_options(settings) | {"server_name": "127.0.0.1", "server_port": port}
    demo.launch(**options, prevent_thread_lock=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
