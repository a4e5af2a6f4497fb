"""The question matcher: a typed question to a topic, one module per signal.

`text` normalises and folds (with the single-word `lexicon` and the multi-word
`phrases`); `lexical` scores each topic by its closest phrasings, adjusted by
the `topic_model`; `semantic` is the port of the optional sentence encoder.
`decision` fuses the lexical and semantic scores into two probabilities (in
scope, right topic) and thresholds them; `matcher` runs the three and answers,
asks to clarify or falls back (words only without an encoder). Why: see
`docs/matching.md`.

Nothing is re-exported here: importing `bot.core.matching.text` must not load
the matcher, which imports `bot.core.language`, which needs `text` (a cycle).
Callers import from the module they need.
"""
