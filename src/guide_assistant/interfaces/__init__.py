"""Interfaces: the command line and the browser chat, thin wrappers over ``Assistant``.

May import everything below it.
"""
