"""Recognise personal data in a member's text: redact it, or tell that it is there.

Two uses, one set of patterns: `redact` (before the optional unmatched log stores
a question) and `looks_like_patient_data` (so the conversation can warn a member
who typed a patient's identity). Conservative on purpose: a false positive costs
a word, a false negative keeps a patient's NIR for 30 days.

Every pattern can only start where its first character begins a token (a
look-behind or `\\b`), and never backtracks over more than that token, so the
cost is linear in the text; the text is also cut to a bounded length first.
tests/test_patient_data.py proves each form and the linear cost.
"""

from __future__ import annotations

import re

# Telegram caps a message at 4,096 characters; the unmatched log keeps 500.
MAX_SCANNED_CHARS = 4096
REDACTED_CHARS = 1000

_SEP = r"[ .-]?"  # one optional separator: "1 85 05", "1.85.05", "1-85-05"
_MONTHS = (
    r"janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|"
    r"sept(?:embre)?|oct(?:obre)?|nov(?:embre)?|d[ée]c(?:embre)?|"
    r"jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:tember)?|october|november|december"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
BIC = re.compile(
    r"\b(?i:BIC|SWIFT)\b\W{0,3}[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b"
    r"|\b[A-Z]{4}FR[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b"
)
# French social security number: sex, year, month (or 20-99), department (or 2A/2B),
# commune, order, then an optional two-digit key; spaces, dots or dashes allowed.
NIR = re.compile(
    rf"\b[12]{_SEP}\d{{2}}{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d{{2}}|2[AB]){_SEP}"
    rf"\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d{{2}})?\b",
    re.IGNORECASE,
)
# A hospital's permanent patient identifier, whatever follows the word.
IPP = re.compile(r"\b(?i:IPP)\b[\s:°nN]{0,6}\d(?:[ .-]?\d)*")
PHONE = re.compile(
    r"(?:(?<![\w+])(?:\+|00)\d{2,3}[\s.-]?(?:\(0\)[\s.-]?)?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"
)
NUMERIC_DATE = re.compile(
    rf"\b(?:{_DAY}[/.-]{_MONTH}[/.-](?:{_YEAR}|\d{{2}})|{_YEAR}[/.-]{_MONTH}[/.-]{_DAY})\b"
)
_TEXT_DATE = rf"(?:1er|{_DAY})\s(?:{_MONTHS})\.?\s(?:{_YEAR}|\d{{2}})\b"
_BIRTH = r"\b(?:n[ée]e?s?|born|date\sde\snaissance|ddn|naissance)\b\W{0,3}(?:(?:le|en|on|in)\s)?"
BIRTH_DATE = re.compile(rf"{_BIRTH}(?:{_TEXT_DATE}|{_YEAR}\b)", re.IGNORECASE)
TEXT_DATE = re.compile(rf"\b{_TEXT_DATE}", re.IGNORECASE)
# "M." is a title only in capitals ("10 m de câble" is not); never after an
# apostrophe ("I'm", "qu'M").
_CIVIL = r"(?<![\w'’])(?:M|(?i:Mme|Mlle|Mr|Mrs|Ms|Madame|Monsieur|Mademoiselle))"
_DOCTOR = r"(?<![\w'’])(?i:Dr|Pr|Docteur|Doctor|Professeur)"
_PARTICLES = r"(?:\.\s*|\s+)(?:(?:de|du|des|la|le|van|von|d['’])\s*)*"
_MORE = r"(?:\s+[A-ZÀ-Ý][\w'’-]*)*"
TITLED_NAME = re.compile(rf"(?:{_CIVIL}|{_DOCTOR}){_PARTICLES}[^\W\d_][\w'’-]*{_MORE}")
# To warn a member, a name must look like one: a capital after a civil title
# ("M. Martin", not "un monsieur au guichet", nor "le docteur est absent").
CIVIL_NAME = re.compile(rf"{_CIVIL}{_PARTICLES}[A-ZÀ-Ý][\w'’-]*")
# The safety net: five digits or more, even with separators ("0012-3456", "12 345").
DIGITS = re.compile(r"(?<![\d])\d(?:[ ./-]?\d){4,}")

# In this order: a pattern must not eat part of a longer one (an IBAN holds digits).
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (EMAIL, "[email]"),
    (IBAN, "[iban]"),
    (BIC, "[bic]"),
    (NIR, "[nir]"),
    (IPP, "[ipp]"),
    (PHONE, "[téléphone]"),
    (NUMERIC_DATE, "[date]"),
    (BIRTH_DATE, "[date de naissance]"),
    (TEXT_DATE, "[date]"),
    (TITLED_NAME, "[nom]"),
    (DIGITS, "[numéro]"),
)
# What identifies a patient: a NIR or an IPP, a full date of birth (a birth year
# alone does not), a civil title and a name.
_PATIENT = (
    NIR,
    IPP,
    CIVIL_NAME,
    re.compile(rf"{_BIRTH}(?:{_TEXT_DATE}|{NUMERIC_DATE.pattern})", re.IGNORECASE),
)


def redact(text: str) -> str:
    """`text` (its first REDACTED_CHARS characters) with personal data replaced by labels."""
    text = text[:REDACTED_CHARS]
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def looks_like_patient_data(text: str) -> bool:
    """Whether `text` seems to identify a patient: a NIR, an IPP, a date of birth, or a
    name after M., Mme... (a doctor's title alone is not a patient)."""
    text = text[:MAX_SCANNED_CHARS]
    return any(p.search(text) for p in _PATIENT)
