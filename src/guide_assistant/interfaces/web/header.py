"""The chat's header line of what is indexed: the guidance editions with their edition dates,
and the user's local documents (kept apart) with their file and ingest dates."""

from __future__ import annotations

import html
from typing import Any


def _when(created: str) -> str:
    """The date part of a manifest's ``created`` stamp (``2026-12-01T10:50:00+0000``)."""
    return created.split("T")[0] if created else "unknown date"


def indexed_html(manifest: dict[str, Any]) -> str:
    """The documents of a build, guidance first, each with its dates (all text escaped)."""
    documents = manifest.get("documents", [])
    ingested = _when(manifest.get("created", ""))
    guidance = [
        f"<li><cite>{html.escape(d['title'])}</cite> "
        f"({html.escape(d.get('date') or d.get('year') or 'undated')})</li>"
        for d in documents
        if d.get("kind", "corpus") == "corpus"
    ]
    local = [
        f"<li><code>{html.escape(d.get('file_name') or d['source_id'])}</code>, "
        f"“{html.escape(d['title'])}” (file modified {html.escape(d.get('modified') or 'unknown')}"
        f"; ingested {html.escape(ingested)})</li>"
        for d in documents
        if d.get("kind") == "user"
    ]
    parts = [
        '<div id="indexed-documents"><p><strong>Answering from the national guidance</strong> '
        f"(index built {html.escape(ingested)}):</p><ul>{''.join(guidance)}</ul>"
    ]
    if local:
        parts.append(
            "<p><strong>and your local documents</strong> (not the guidance; always labelled "
            f"as local in answers):</p><ul>{''.join(local)}</ul>"
        )
    return "".join(parts) + "</div>"
