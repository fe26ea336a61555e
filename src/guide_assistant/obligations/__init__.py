"""Obligations: the register of duties extracted from the editions, its search, and the
employer self-assessment.

May import: ``storage``, ``ingest``, ``models``, ``settings``, ``text``.
"""
