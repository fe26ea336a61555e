"""Storage: local SQLite state (feedback, self-assessment marks) behind one connection helper.

May import: ``models``, ``settings``.
"""
