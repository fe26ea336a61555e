"""Answer: the stages of one answer, one folder each, as the data flows.

``question/`` (what was asked: checked, normalised, its kind, route and scope) →
``retrieve/`` (dense and BM25 passages, fused) → ``compose/`` (the extractive draft and
answer) → ``check/`` (the abstain decision on the draft; the support checks of a written
sentence) → ``write/`` (llm mode: the model's answer, guarded, streamed).

A stage imports only the stages before it (``tests/test_layout.py``). The compose stage takes
the abstain decision as plain values (its reason, the kind of answer missing), so it need not
import the check stage that judges its draft.

May import: ``index``, ``obligations``, ``ingest``, ``models``, ``settings``, ``text``, ``llm``.
"""
