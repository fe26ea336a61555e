"""Ingest: documents in, verbatim sections and chunks out (corpus editions, users' files).

May import: ``models``, ``settings``, ``text``. Nothing from the later stages.
"""
