"""Guide Assistant: cited answers from the guidance on supporting mental health social workers.

Thin: it loads Settings once, calls the pipeline and turns known errors into one-line
messages (exit 2 for bad input, 1 for a missing or broken index) instead of tracebacks.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, NoReturn

import typer

from guide_assistant.index.build import IndexBusy
from guide_assistant.index.chroma import ChromaUnavailable
from guide_assistant.index.onnx_export import ExportError
from guide_assistant.index.store import IndexError_
from guide_assistant.interfaces import terminal
from guide_assistant.interfaces.terminal import render
from guide_assistant.models import Answer, QuestionError
from guide_assistant.settings import Settings, offline_environment

# Errors with a message written for users: shown as one line, never as a traceback.
KNOWN_ERRORS = (IndexError_, ChromaUnavailable, FileNotFoundError, IndexBusy, ExportError)

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n")[0])


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _assistant(settings: Settings):
    from guide_assistant.assistant import Assistant

    try:
        return Assistant.load(settings)
    except KNOWN_ERRORS as exc:
        _fail(str(exc), 1)


MODE_HELP = "llm or extractive: overrides GUIDE_ANSWER_MODE for this run."


def _with_mode(settings: Settings, mode: str | None) -> Settings:
    """``settings`` with the answer mode a ``--mode`` flag asks for."""
    if mode is None:
        return settings
    if mode not in ("llm", "extractive"):
        _fail(f"unknown mode {mode!r}: use llm or extractive", 2)
    return settings.model_copy(update={"answer_mode": mode})


def _print_answer(assistant, question: str, history=None, sources=None) -> Answer:
    """Ask, and print the answer: streamed in llm mode on a terminal, else all at once."""
    if assistant.settings.answer_mode == "llm" and sys.stdout.isatty():
        return terminal.streamed(assistant, question, sys.stdout, history, sources)
    answer = assistant.ask(question, history=history, sources=sources)
    typer.echo(render(answer))
    return answer


@app.command()
def ingest(
    rebuild: Annotated[bool, typer.Option(help="Rebuild even if nothing changed.")] = False,
) -> None:
    """Build the index from corpus/ and the user documents folder (no-op when unchanged)."""
    offline_environment()
    from guide_assistant.index import build as indexing
    from guide_assistant.index.progress import Stages

    settings = Settings()
    try:
        report = indexing.build(settings, rebuild=rebuild, progress=Stages.for_stream(sys.stderr))
    except KeyboardInterrupt:
        _fail("interrupted: the previous index (if any) is still in use", 130)
    except KNOWN_ERRORS as exc:
        _fail(str(exc), 1)
    for problem in report.problems:
        typer.echo(f"skipped {problem.path}: {problem.reason}", err=True)
    for path, dropped in report.hidden.items():
        typer.echo(
            f"note: {path}: text a reader can't see was not indexed: {', '.join(dropped)}",
            err=True,
        )
    for found in report.planted:
        typer.echo(
            f"warning: {found.path}:{found.line}: text addressed to the assistant, not the "
            f"reader (detector score {found.score:.2f}); it is never quoted: “{found.text}”",
            err=True,
        )
    state = "up to date" if report.noop else "built"
    typer.echo(
        f"Index {state} ({report.build_id}): {report.documents} documents, {report.sections} "
        f"sections, {report.chunks} chunks, {report.sentences} sentences; embedded "
        f"{report.embedded}, reused {report.reused}; {report.seconds:.1f} s"
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only this source id.")] = None,
    guidance_only: Annotated[
        bool, typer.Option(help="Only the national guidance, none of your own documents.")
    ] = False,
    mode: Annotated[str | None, typer.Option(help=MODE_HELP)] = None,
) -> None:
    """Answer one question with its sources."""
    offline_environment()
    from guide_assistant.answer.question.questions import validate_question

    settings = _with_mode(Settings(), mode)
    if guidance_only:
        settings = settings.model_copy(update={"guidance_only": True})
    try:  # before loading anything: a bad question should fail at once
        validate_question(question, settings.max_question_chars)
    except QuestionError as exc:
        _fail(str(exc), 2)
    assistant = _assistant(settings)
    known = {s["source_id"] for s in assistant.sources}
    if unknown := sorted(set(source or []) - known):
        _fail(f"unknown source {', '.join(unknown)}; choose from {', '.join(sorted(known))}", 2)
    try:
        if not as_json:
            _print_answer(assistant, question, sources=source)
            return
        answer = assistant.ask(question, sources=source)
    except QuestionError as exc:
        _fail(str(exc), 2)
    typer.echo(answer.model_dump_json(indent=2))


@app.command()
def chat(mode: Annotated[str | None, typer.Option(help=MODE_HELP)] = None) -> None:
    """A conversation in the terminal (follow-ups use the history). Ctrl-D ends it."""
    offline_environment()
    assistant = _assistant(_with_mode(Settings(), mode))
    history: list[dict] = []
    typer.echo("Ask about supporting mental health social workers. Ctrl-D to quit.")
    typer.echo("Please don't enter personal information about service users.")
    while True:
        try:
            question = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        try:
            answer = _print_answer(assistant, question, history)
        except QuestionError as exc:
            typer.echo(f"({exc})")
            continue
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.answer},
        ]


@app.command()
def sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the corpus documents and the NICE resources the guidance links."""
    from guide_assistant.ingest import corpus

    settings = Settings()
    manifest = corpus.load_manifest(settings.corpus_dir)
    resources = corpus.load_resources(settings.corpus_dir)
    if as_json:
        payload = {
            "documents": manifest["documents"],
            "resources": [r.model_dump() for r in resources],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    for doc in manifest["documents"]:
        typer.echo(f"{doc['source_id']}: {doc['title']} ({doc.get('year', '')})")
    typer.echo("\nLinked resources (not ingested; add their text to the user documents folder):")
    for r in resources:
        typer.echo(f"  {r.code}: {r.title} <{r.url}>")


@app.command()
def doctor() -> None:
    """Show what this installation uses (paths, model, Chroma, LLM, index) and what is missing."""
    from pydantic import ValidationError

    from guide_assistant.interfaces import doctor as checkup

    try:
        settings = Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        _fail(f"setting {where!r} is invalid ({problem['msg']}): fix its GUIDE_ variable", 1)
    diagnosis = checkup.diagnose(settings)
    typer.echo(diagnosis.render())
    if not diagnosis.ok:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    mode: Annotated[str | None, typer.Option(help=MODE_HELP)] = None,
) -> None:
    """Serve the chat in the browser (127.0.0.1 unless authentication is configured)."""
    offline_environment()
    from guide_assistant.interfaces.web import app as ui

    settings = _with_mode(Settings(), mode)
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = settings.model_copy(update=overrides)
    try:
        ui.serve(settings)
    except ui.UnsafeBind as exc:
        _fail(str(exc), 2)
    except KNOWN_ERRORS as exc:
        _fail(str(exc), 1)
    except OSError as exc:  # the port is taken, most often
        _fail(f"cannot serve on {settings.host}:{settings.port}: {exc}", 1)


# --- obligations register and employer self-assessment ---------------------------------


@app.command()
def obligations(
    actor: Annotated[str | None, typer.Option(help="Only duties on this actor.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only this topic tag.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source id.")] = None,
    modality: Annotated[
        str | None, typer.Option(help="must, should, recommended, good practice or consider.")
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Only the rows matching these words, best first.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or md.")] = "table",
) -> None:
    """List the obligations the guidance places on organisations and people."""
    from typing import cast

    from guide_assistant.obligations import register
    from guide_assistant.obligations import search as register_search

    if fmt not in ("table", "json", "csv", "md"):
        _fail(f"unknown format {fmt!r}: use table, json, csv or md", 2)
    settings = Settings()
    entries = register.filter_entries(
        register.load_register(settings), actor, topic, source, modality
    )
    if search:  # only the matching rows, best first
        glossary = register.glossary(register.editions(settings))
        entries = register_search.search(entries, search, settings, glossary)
    typer.echo(register.render(entries, cast("register.Format", fmt)), nl=fmt == "table")


@app.command()
def assessment(
    fmt: Annotated[str, typer.Option("--format", help="md or csv.")] = "md",
    output: Annotated[str | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Export the employer self-assessment report (counts and unmet items)."""
    from pathlib import Path

    from guide_assistant.obligations import assessment as self_assessment
    from guide_assistant.obligations import register

    if fmt not in ("md", "csv"):
        _fail(f"unknown format {fmt!r}: use md or csv", 2)
    settings = Settings()
    marks = self_assessment.AssessmentStore.for_settings(settings).all()
    text = self_assessment.report(register.load_register(settings), marks, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}", err=True)
    else:
        typer.echo(text, nl=False)


if __name__ == "__main__":
    app()
