"""Pseudonymous keys and redaction: how Vigie avoids keeping who said what."""
