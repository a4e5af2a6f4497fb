"""Vigie: a GDPR and IT-security assistant for liberal health practices."""

__version__ = "0.1.0"
