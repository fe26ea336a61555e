"""Evaluation: golden-set metrics and reports, run by ``evals/`` and the benchmarks.

May import: ``answer``, ``index``, ``ingest``, ``models``, ``settings``, ``text``.
"""
