"""Documents the member takes away (drafts, register entry, action plan), as a model.

The core builds them from content templates; an adapter (bot/documents) writes the file.
"""
