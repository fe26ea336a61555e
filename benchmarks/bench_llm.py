"""The llm mode's own cost: the guard per answer, and the whole answer against the extractive
one in the same run, with a scripted OpenAI-compatible server on 127.0.0.1 that takes as long
as a model writing 30 tokens/s would.

The scripted model writes, for each question, the longest sentence of each of the first three
passages it is given (cited; the second one introduced by "The guidance says that", so it is
not verbatim and goes to the support model) and one invented sentence, so every answer exercises
both the kept and the dropped path. The guard's time per sentence (p50/p95) is stated for every
sentence and for those the support model judged. Each question is answered three ways against
the same server: extractive (the baseline), written without streaming (``ask``: the first
verified sentence arrives with the whole reply), and written streamed (``ask_stream``: the
server sends a word every 1.3/30 s, and the time to the first verified sentence is when the chat
would show it).

    .venv/bin/python benchmarks/bench_llm.py [--questions 40] [--tokens-per-s 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402

TOKENS_PER_WORD = 1.3  # about 1.3 tokens per English word


def streamed(assistant: Any, question: str) -> tuple[float | None, float, Any]:
    """(ms to the first verified sentence or None, ms to the final answer, the answer)."""
    from guide_assistant.answer.write.events import AnswerReady, SentenceShown

    began = time.perf_counter()
    first = None
    answer = None
    for event in assistant.ask_stream(question):
        if isinstance(event, SentenceShown) and first is None:
            first = (time.perf_counter() - began) * 1000
        elif isinstance(event, AnswerReady):
            answer = event.answer
    return first, (time.perf_counter() - began) * 1000, answer


def p50(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "n/a"


def scripted(tokens_per_s: float):
    from tests.llm_servers import Recorded, Reply

    def script(body: dict[str, Any]) -> Reply:
        from guide_assistant.answer.check.agreement import segments

        passages = Recorded("", {}, body).passages()
        said = []
        for i, (n, line) in enumerate(list(passages.items())[:3]):
            longest = max(segments(line), key=len).rstrip(".:;")  # a sentence, not its title
            if i == 1:  # reworded: judged by the model, not the verbatim fast path
                longest = f"The guidance says that {longest[:1].lower()}{longest[1:]}"
            said.append(f"{longest} [{n}].")
        said.append("Every social worker is given a company car [1].")
        reply = " ".join(said)
        if body.get("stream"):  # a word at a time, as fast as the model would write it
            return Reply(reply, token_delay_s=TOKENS_PER_WORD / tokens_per_s)
        tokens = len(reply.split()) * TOKENS_PER_WORD
        return Reply(reply, delay_s=tokens / tokens_per_s)

    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--tokens-per-s", type=float, default=30.0)
    args = parser.parse_args()
    offline_environment()
    from guide_assistant.answer.check import guard as guarding
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics as evaluation
    from tests.llm_servers import scripted_server

    base = Settings()
    assistant = Assistant.load(base)
    items = evaluation.load_golden(ROOT / "evals" / "dev.jsonl")[: args.questions]
    with scripted_server(scripted(args.tokens_per_s)) as server:
        llm_settings = base.model_copy(
            update={
                "answer_mode": "llm",
                "llm_provider": "openai",
                "llm_base_url": server.openai_url,
                "llm_model": "scripted-30tps",
            }
        )
        written = Assistant(llm_settings, assistant.index, assistant.embedder)
        extractive_ms, llm_ms, model_ms, guard_ms = [], [], [], []
        sentence_ms: list[float] = []
        first_ms: list[float] = []
        stream_ms: list[float] = []
        stream_guard_ms: list[float] = []
        appended = 0
        fell_back = dropped = generated = 0
        for item in items:
            t = time.perf_counter()
            assistant.ask(item.question)
            extractive_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            answer = written.ask(item.question)
            llm_ms.append((time.perf_counter() - t) * 1000)
            model_ms.append(answer.timings_ms.get("llm", 0.0))
            first, whole, last = streamed(written, item.question)
            stream_ms.append(whole)
            if first is not None:
                first_ms.append(first)
            if "guard" in last.timings_ms:
                stream_guard_ms.append(last.timings_ms["guard"])
            appended += bool(first is not None and last.note)
            v = answer.verification
            if v is None:  # abstained before asking the model
                continue
            fell_back += v.fell_back
            dropped += len(v.dropped)
            generated += v.generated
            # The guard alone, on the reply the server just sent, with the passages it was given.
            request = next(r for r in reversed(server.requests) if not r.body.get("stream"))
            reply = scripted(1e9)(request.body).text
            asked = assistant.understanding.understand(item.question, None)
            hits = assistant.retriever.search(asked, None).hits
            t = time.perf_counter()
            result = guarding.guard(reply, [h.passage for h in hits], written.writer.checker)
            guard_ms.append((time.perf_counter() - t) * 1000)
            sentence_ms += result.judged_ms
    ext, llm = statistics.median(extractive_ms), statistics.median(llm_ms)
    print(f"questions: {len(items)}; asked the model: {len(guard_ms)}")
    print(f"guard per answer: p50 {statistics.median(guard_ms):.2f} ms, max {max(guard_ms):.2f} ms")
    judged = sorted(sentence_ms)
    modelled = [ms for ms in judged if ms >= 1.0]  # the verbatim fast path takes well under 1 ms
    for name, values in (("every sentence", judged), ("judged by the model", modelled)):
        if values:
            print(
                f"guard per sentence, {name} ({len(values)}): p50 {statistics.median(values):.1f}"
                f" ms, p95 {values[int(0.95 * (len(values) - 1))]:.1f} ms"
            )
    print(
        f"model call (scripted at {args.tokens_per_s:g} tokens/s): p50 "
        f"{statistics.median(model_ms):.0f} ms = time to the first verified sentence (no streaming)"
    )
    print(f"total per answer: extractive p50 {ext:.0f} ms, llm p50 {llm:.0f} ms ({llm / ext:.1f}x)")
    print(f"sentences: generated {generated}, dropped {dropped}; fell back {fell_back} times")
    print(
        f"streamed: first verified sentence p50 {p50(first_ms)} ms "
        f"({len(first_ms)} answers showed one), whole answer p50 {p50(stream_ms)} ms; "
        f"first sentence / non-streamed llm answer: "
        f"{statistics.median(first_ms) / llm:.2f}x"
        if first_ms
        else "streamed: no answer showed a verified sentence"
    )
    print(
        f"streamed guard (judged as the words arrive) per answer: p50 "
        f"{statistics.median(stream_guard_ms):.2f} ms, max "
        f"{max(stream_guard_ms, default=0):.2f} ms; late fallbacks below shown sentences: "
        f"{appended}"
        if stream_guard_ms
        else "streamed guard: not run"
    )
    print(f"streamed whole answer / extractive: {statistics.median(stream_ms) / ext:.1f}x")


if __name__ == "__main__":
    main()
