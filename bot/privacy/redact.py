"""Redact personal data from a question before the optional unmatched log stores it.

Conservative on purpose: a false positive costs a word, a false negative
leaks a patient's name. Tests in tests/test_redact.py prove each pattern.
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE), "[email]"),
    # French social security number (NIR): 13 digits + optional 2-digit key, spaces allowed.
    (
        re.compile(
            r"\b[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}"
            r"(?:\s?\d{2})?\b",
            re.IGNORECASE,
        ),
        "[nir]",
    ),
    (re.compile(r"(?:(?:\+|00)\d{2,3}[\s.-]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"), "[téléphone]"),
    (
        re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:19|20)\d{2}\b"),
        "[date]",
    ),
    (
        re.compile(
            r"\b(?:né|née|born)\s+(?:le\s+|on\s+)?\d{1,2}\s+\w+\s+(?:19|20)\d{2}\b", re.IGNORECASE
        ),
        "[date de naissance]",
    ),
    (
        re.compile(
            r"\b(?i:M|Mme|Mlle|Mr|Mrs|Ms|Dr|Pr|Docteur|Doctor|Madame|Monsieur|Professeur)"
            r"\.?\s+(?:(?:de|du|des|la|le|van|von|d['’])\s*)*[^\W\d_][\w'’-]*"
            r"(?:\s+[A-ZÀ-Ý][\w'’-]*)*",
            re.UNICODE,
        ),
        "[nom]",
    ),
    (re.compile(r"\b\d{5,}\b"), "[numéro]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
