"""Index: chunks in, a persisted build out (Chroma, BM25, vectors, manifest), and its loading.

May import: ``ingest``, ``models``, ``settings``, ``text``.
"""
