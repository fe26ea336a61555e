"""Rendering for the chat: answers, sources with highlighted quotes, and Markdown export.

Everything from the index or the user is HTML-escaped here; only the tags we build get through.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

from guide_assistant.answer.compose.layout import layout
from guide_assistant.models import Answer, Citation, Resource
from guide_assistant.text import loose_pattern

NOT_COVERED = "The guidance doesn't cover this."
_SAFE_URL = re.compile(r"^(https?://|/|gradio_api/)", re.IGNORECASE)
_MARKER = re.compile(r"\[(\d+)\]")


def quote_spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    """Character spans of ``quotes`` in ``text`` (exact, else whitespace-tolerant), merged."""
    spans: list[tuple[int, int]] = []
    for q in quotes:
        q = q.strip()
        if not q:
            continue
        at = text.find(q)
        if at >= 0:
            spans.append((at, at + len(q)))
            continue
        # Sentences may be stored with different line wrapping than the passage.
        match = re.search(loose_pattern(q), text)
        if match:
            spans.append(match.span())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, quotes: list[str]) -> str:
    """``text`` HTML-escaped, with ``<mark>`` around each quoted sentence."""
    out, pos = [], 0
    for start, end in quote_spans(text, quotes):
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def source_link(citation: Citation, corpus_dir: Path | None = None) -> str | None:
    """The citation's own URL, else the corpus edition file served by Gradio, else None."""
    if citation.url and _SAFE_URL.match(citation.url):
        return citation.url
    if corpus_dir is not None:
        edition = Path(corpus_dir) / f"{citation.source_id}.md"
        if edition.is_file():
            return "gradio_api/file=" + quote(str(edition.resolve()))
    return None


def _link_html(url: str | None, text: str) -> str:
    if not url:
        return ""
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
        f"{html.escape(text)}</a>"
    )


def resources_html(resources: list[Resource]) -> str:
    """'See also' links to the NICE resources the cited sections link."""
    if not resources:
        return ""
    items = "".join(
        f"<li>{_link_html(r.url, f'{r.code}: {r.title}') or html.escape(f'{r.code}: {r.title}')}"
        "</li>"
        for r in resources
    )
    return f'<div class="see-also"><strong>See also</strong><ul>{items}</ul></div>'


def withheld_html(citation: Citation) -> str:
    """A note under a passage holding text addressed to the assistant (never obeyed)."""
    if not citation.withheld:
        return ""
    quoted = " ".join(f"“{html.escape(t)}”" for t in citation.withheld)
    return (
        '<p class="withheld" role="note"><strong>⚠ Not used:</strong> this passage holds text '
        f"addressed to the assistant, not to you; it is never quoted or obeyed: {quoted}</p>"
    )


def sources_html(
    citations: list[Citation], corpus_dir: Path | None = None, id_prefix: str = "source"
) -> str:
    """One collapsible block per source (id ``{id_prefix}-{n}``): title, section path,
    highlighted passage, link."""
    blocks = []
    for c in citations:
        link = _link_html(source_link(c, corpus_dir), "Open the source document")
        blocks.append(
            f'<details class="source" id="{id_prefix}-{c.n}" data-kind="{c.kind}" '
            'style="border:1px solid currentColor;border-radius:6px;padding:6px 10px;'
            'margin:6px 0">'
            f'<summary style="cursor:pointer"><strong>[{c.n}] {html.escape(c.label)}</strong>'
            f'<br><span class="section">{html.escape(c.section)}</span></summary>'
            f'<div class="passage" style="white-space:pre-wrap;margin:8px 0">'
            f"{highlight(c.text, c.quotes)}</div>{withheld_html(c)}{link}</details>"
        )
    return "".join(blocks)


def panel_html(answer: Answer | None, corpus_dir: Path | None = None) -> str:
    """The side panel for the latest answer: its sources, or the abstention and related reading."""
    if answer is None:
        return (
            '<div id="sources-empty"><p>Ask a question: the passages each answer quotes will '
            "appear here, with the quoted sentences highlighted.</p></div>"
        )
    if answer.abstained:
        head = (
            '<div class="abstain-notice" role="note" style="border-left:6px solid #b45309;'
            f'padding:8px 12px;margin-bottom:8px"><strong>⚠ {NOT_COVERED}</strong><br>'
            "These are the closest passages; they may not answer your question.</div>"
        )
        body = sources_html(answer.related, corpus_dir)
    else:
        head = (
            f'<p class="sources-head">Sources for the latest answer ({len(answer.citations)})</p>'
        )
        body = sources_html(answer.citations, corpus_dir)
    return head + body + resources_html(answer.resources)


def given_panel_html(citations: list[Citation], corpus_dir: Path | None = None) -> str:
    """The side panel while a written answer streams: the passages the model was given."""
    head = (
        f'<p class="sources-head">Passages given to the model ({len(citations)}): each '
        "sentence appears once it has been checked against the passage it cites.</p>"
    )
    return head + sources_html(citations, corpus_dir)


def streaming_message(
    lines: list[str], citations: list[Citation], turn: int, note: str = ""
) -> str:
    """The verified sentences of answer ``turn`` streamed so far, with [n] links, under the
    ``note`` that says whose documents they come from, if any."""
    text = cite_links(layout(lines), citations, f"a{turn}-source")
    return f"{note}\n\n{text}" if note else text


def cite_links(text: str, citations: list[Citation], id_prefix: str) -> str:
    """``text`` with each [n] marker a link to source entry ``{id_prefix}-{n}``, titled (and
    so named for screen readers) "source n: title"."""
    titles = {c.n: c.title for c in citations}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in titles:
            return match.group(0)
        label = html.escape(f"source {n}: {titles[n]}", quote=True)
        # The chat's sanitiser drops aria-* attributes; the page script names the link from
        # its title (a11y.ON_LOAD), which also shows sighted users where it leads.
        return f'<a class="cite" href="#{id_prefix}-{n}" title="{label}">[{n}]</a>'

    return _MARKER.sub(link, text)


def chat_answer(answer: Answer, shown: str = "") -> str:
    """The answer as a chat message: Markdown with [n] markers, abstentions flagged. ``shown``:
    the sentences already streamed, which stay first (a fallback's note follows them)."""
    if answer.abstained:
        return f"> **⚠ {NOT_COVERED}**\n\n{answer.answer}"
    if answer.note and shown and shown in answer.answer:
        before, _, rest = answer.answer.partition(shown)
        return f"{before}{shown}\n\n*{answer.note}*\n\n{rest.strip()}"
    if answer.note:  # a fallback from a written answer says why, first
        return f"*{answer.note}*\n\n{answer.answer}"
    return f"{answer.answer}\n\n*{answer.provenance}*"


def chat_sources(
    answer: Answer, corpus_dir: Path | None = None, id_prefix: str = "source"
) -> tuple[str, str]:
    """(title, HTML body) of the collapsible 'sources' block under an answer."""
    cited = answer.shown_citations
    title = (
        f"Related passages ({len(cited)}) — may not answer it"
        if answer.abstained
        else f"Sources ({len(cited)})"
    )
    return title, sources_html(cited, corpus_dir, id_prefix) + resources_html(answer.resources)


def chat_message(answer: Answer, turn: int, corpus_dir: Path | None = None, shown: str = "") -> str:
    """Answer number ``turn`` as one chat message: its text with [n] links, then its sources
    in a collapsible block the links point into (``shown``: as for ``chat_answer``)."""
    prefix = f"a{turn}-source"
    text = cite_links(chat_answer(answer, shown), answer.shown_citations, prefix)
    title, body = chat_sources(answer, corpus_dir, prefix)
    if not body:
        return text
    # No blank line may fall inside the HTML, or Markdown would end the block there.
    body = body.replace("\n", "&#10;")
    return (
        f'{text}\n\n<details class="sources"><summary>{html.escape(title)}</summary>'
        f"{body}</details>"
    )


def _blockquote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def conversation_markdown(turns: list[Answer]) -> str:
    """The whole conversation, each answer followed by its numbered sources, as Markdown."""
    out = ["# Conversation with Guide Assistant", ""]
    for i, a in enumerate(turns, 1):
        out += [f"## Q{i}. {a.question}", ""]
        if a.abstained:
            out += [f"**{NOT_COVERED}**", ""]
        out += [a.answer, ""]
        if not a.abstained:  # how it was produced; a fallback's reason is kept too
            out += [f"*{a.provenance}*", ""]
        cited = a.shown_citations
        if cited:
            out += ["### Related passages" if a.abstained else "### Sources", ""]
        for c in cited:
            out += [f"**[{c.n}] {c.label}** — {c.section}", ""]
            out += [_blockquote(c.text), ""]
            if c.quotes:
                out += ["Quoted: " + " ".join(f"“{q}”" for q in c.quotes), ""]
            if c.url:
                out += [f"<{c.url}>", ""]
        for r in a.resources:
            out += [f"- See also: {r.code} {r.title}" + (f" <{r.url}>" if r.url else "")]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
