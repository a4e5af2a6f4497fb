"""Redact personal data from a question before the optional unmatched log stores it.

The patterns live in `bot.core.patient_data`, pure standard library, so that the
core can also use them to warn a member who types patient data; this module is
the storage side's name for the same function.
"""

from __future__ import annotations

from bot.core.patient_data import looks_like_patient_data, redact

__all__ = ["looks_like_patient_data", "redact"]
