"""Answer: the stages of one answer (question → route → retrieve → compose → abstain/check).

May import: ``index``, ``obligations``, ``ingest``, ``models``, ``settings``, ``text``.
"""
