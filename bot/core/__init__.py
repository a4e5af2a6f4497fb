"""The pure core: content model, matching, flows and conversation logic.

Imports only the standard library and rapidfuzz; adapters do all I/O.
"""
