"""Privacy, verified: pseudonymous keys, no typed text stored, redaction, expiry."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.assistant import Assistant
from bot.logs import configure_logging
from bot.privacy.keys import SecretError, load_or_create_secret, user_key
from bot.privacy.redact import redact
from bot.service import Actor, FloodGuard, Vigie
from bot.storage.database import Database
from bot.storage.stores import SqliteSessions, SqliteStats, SqliteSubscriptions
from bot.storage.unmatched import UnmatchedLog
from tests.conftest import SECRET, FixedClock
from tests.corechat import CoreChat

USER_ID = 987654321
TYPED = "mon patient Zorglub Quintessence a perdu sa clé USB au cabinet"


@pytest.mark.parametrize(("text", "expected"), [
    ("écrivez à jean.dupont+rgpd@gmail.com", "écrivez à [email]"),
    ("appelez le 06 12 34 56 78", "appelez le [téléphone]"),
    ("appelez le +33 6 12 34 56 78", "appelez le [téléphone]"),
    ("tel 01.23.45.67.89", "tel [téléphone]"),
    ("NIR 1 80 03 75 123 456 78", "NIR [nir]"),
    ("NIR 2800375123456", "NIR [nir]"),
    ("né le 12/03/1980", "né le [date]"),
    ("née le 3 mars 1975", "[date de naissance]"),
    ("M. Dupont a appelé", "[nom] a appelé"),
    ("Mme de la Fontaine", "[nom]"),
    ("le dossier de Dr House", "le dossier de [nom]"),
    ("docteur martin", "[nom]"),
    ("dossier 4455667", "dossier [numéro]"),
])
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_keeps_ordinary_questions() -> None:
    question = "combien de temps pour notifier la CNIL après un vol d'ordinateur ?"
    assert redact(question) == question


def test_keys_are_keyed_hashes() -> None:
    assert user_key(b"a" * 32, 1) == user_key(b"a" * 32, 1)
    assert user_key(b"a" * 32, 1) != user_key(b"b" * 32, 1)
    assert user_key(b"a" * 32, 1) != user_key(b"a" * 32, 2)
    assert len(user_key(b"a" * 32, USER_ID)) == 64


def test_user_key_is_hmac_sha256_of_the_whole_secret() -> None:
    # A known-answer vector computed independently of bot.privacy.
    secret = b"vigie-known-answer-secret-0123456789"
    expected = "b016c44874c154907c1c0f40da923c9cce0e050732b926753f36c1532309c96a"
    assert hmac.new(secret, b"user:987654321", hashlib.sha256).hexdigest() == expected
    assert user_key(secret, USER_ID) == expected
    # Every byte of the secret counts, the last one too (no truncated key).
    other = secret[:-1] + bytes([secret[-1] ^ 1])
    assert user_key(other, USER_ID) != user_key(secret, USER_ID)


def test_key_file_is_created_0600_next_to_the_database(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "vigie.key"
    secret = load_or_create_secret(None, key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_or_create_secret(None, key_file) == secret
    assert load_or_create_secret("x" * 20, key_file) == b"x" * 20
    with pytest.raises(SecretError):
        load_or_create_secret("short", key_file)


def test_vigie_secret_needs_sixteen_characters(tmp_path: Path) -> None:
    key_file = tmp_path / "vigie.key"
    with pytest.raises(SecretError, match="at least 16 characters"):
        load_or_create_secret("x" * 15, key_file)
    assert load_or_create_secret("y" * 16, key_file) == b"y" * 16
    assert not key_file.exists()  # an explicit secret never creates the key file


@pytest.mark.parametrize("content", [b"", b"\n", b"0123456789abcdef" * 1 + b"\n", b"\xff\xfe" * 40])
def test_an_empty_short_or_damaged_key_file_is_refused(tmp_path: Path, content: bytes) -> None:
    # Accepting it would mean an HMAC with an empty or guessable key.
    key_file = tmp_path / "vigie.key"
    key_file.write_bytes(content)
    key_file.chmod(0o600)  # only its content is wrong
    with pytest.raises(SecretError, match="damaged"):
        load_or_create_secret(None, key_file)
    assert key_file.read_bytes() == content  # never silently replaced


async def _scripted_conversation(service: Vigie) -> None:
    chat = CoreChat(service, user_id=USER_ID)
    for text in ["/start", TYPED, "bonjour", "/pourquoi", "/notifier"]:
        await chat.send(text)
    await chat.click("Oui")
    await chat.send("ouais")
    await chat.send("/alertes")
    await chat.send("/confidentialite")


async def test_database_and_logs_hold_no_id_and_no_text(
    tmp_path: Path, assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(logging.DEBUG)  # what an operator debugging the bot would run
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "vigie.db"
    async with Database(path) as db:
        service = Vigie(assistant, secret=SECRET, sessions=SqliteSessions(db),
                        subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                        flood=FloodGuard(limit=1000))
        await _scripted_conversation(service)
        # The only raw id allowed: the alert subscription the member asked for.
        rows = await db.fetchall("SELECT chat_id FROM subscriptions")
        assert rows == [(USER_ID,)]
        await db.write("DELETE FROM subscriptions")
        blobs = b""
        for suffix in ("", "-wal", "-shm"):
            file = Path(str(path) + suffix)
            if file.exists():
                blobs += file.read_bytes()
        sessions = await db.fetchall("SELECT key, data FROM sessions")
    assert len(sessions) == 1
    for needle in (str(USER_ID), "Zorglub", "Quintessence", "perdu sa cl"):
        assert needle.encode() not in blobs, needle
        assert needle.encode("utf-16-le") not in blobs, needle
        assert not any(needle in record.getMessage() for record in caplog.records), needle


async def test_unmatched_log_is_off_by_default(service: Vigie, db: Database) -> None:
    await CoreChat(service).send("blorf zarg quintessence")
    assert await db.fetchall("SELECT * FROM unmatched") == []


async def test_unmatched_log_redacts_groups_and_expires(
    assistant: Assistant, db: Database, clock: FixedClock
) -> None:
    log = UnmatchedLog(db, keep_days=30)
    service = Vigie(assistant, secret=SECRET, sessions=SqliteSessions(db),
                    subscriptions=SqliteSubscriptions(db), stats=SqliteStats(db),
                    unmatched=log, clock=clock, flood=FloodGuard(limit=1000))
    chat = CoreChat(service)
    # Patient data typed by mistake is never kept, not even redacted...
    await chat.send("le patient M. Dupont né le 01/02/1960 veut savoir xyzzy plugh frobnicate")
    assert await db.fetchall("SELECT text FROM unmatched") == []
    # ...other identifiers are redacted.
    await chat.send("rappelez-moi au 06 12 34 56 78, je veux savoir xyzzy plugh frobnicate")
    await chat.send("écrivez à jean.martin@exemple.fr, je veux savoir xyzzy plugh frobnicate")
    stored = [str(r[0]) for r in await db.fetchall("SELECT text FROM unmatched")]
    assert len(stored) == 2
    assert all("06 12" not in s and "jean.martin" not in s for s in stored)
    groups = await log.groups()
    assert groups[0].count == 2
    clock.now += timedelta(days=31)
    await service.purge(30)
    assert await db.fetchall("SELECT * FROM unmatched") == []


async def test_idle_sessions_are_purged_on_schedule(service: Vigie, clock: FixedClock) -> None:
    chat = CoreChat(service)
    await chat.send("/notifier")
    key = service.key(chat.actor)
    clock.now += timedelta(days=29)
    assert await service.purge(30) == 0
    clock.now += timedelta(days=2)
    assert await service.purge(30) == 1
    assert await service.sessions.get(key) is None


async def test_privacy_statement_matches_what_is_stored(service: Vigie, db: Database) -> None:
    chat = CoreChat(service)
    await chat.send("/confidentialite")
    text = chat.text.lower()
    days = service.content.association.session_retention_days
    assert "hmac" in text or "pseudonym" in text
    assert f"{days} jours" in text
    assert "abonnement" in text and "/oubli" in text
    tables = {str(r[0]) for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    # Every table is described in docs/security.md's inventory of stored data.
    inventory = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    for table in tables - {"schema_migrations", "sqlite_sequence"}:
        assert f"`{table}`" in inventory, table


async def test_flood_is_slowed_down_without_delaying_others(service: Vigie) -> None:
    service.flood = FloodGuard(limit=5, window=10.0)
    flooder = CoreChat(service, user_id=1)
    other = CoreChat(service, user_id=2)
    replies = [await flooder.send("bonjour") for _ in range(7)]
    assert "très vite" in replies[5][0].text
    assert replies[6] == []
    await other.send("bonjour")
    assert other.replies and "très vite" not in other.text


def test_actor_is_never_persisted_raw() -> None:
    actor = Actor(USER_ID, USER_ID)
    assert str(USER_ID) not in user_key(SECRET, actor.user_id)


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_window_slides_and_the_notice_comes_back(service: Vigie) -> None:
    ticker = Ticker()
    service.flood = FloodGuard(limit=3, window=10.0, clock=ticker)
    member = CoreChat(service, user_id=1)
    for _ in range(3):
        assert "très vite" not in (await member.send("bonjour"))[0].text
        ticker.now += 1.0
    assert "très vite" in (await member.send("bonjour"))[0].text
    assert await member.send("bonjour") == []
    ticker.now += 10.5  # the window has slid past every message of the first flood
    served = await member.send("bonjour")
    assert served and "très vite" not in served[0].text
    await member.send("bonjour")
    await member.send("bonjour")
    assert "très vite" in (await member.send("bonjour"))[0].text  # a second flood, a notice
    assert await member.send("bonjour") == []


async def test_a_flooder_in_a_group_does_not_silence_the_other_members(service: Vigie) -> None:
    service.flood = FloodGuard(limit=2, window=60.0, clock=Ticker())
    flooder = CoreChat(service, user_id=1, private=False)
    colleague = CoreChat(service, user_id=2, private=False)
    assert flooder.actor.chat_id == colleague.actor.chat_id  # one group
    for _ in range(2):
        await flooder.send("/aide")
    assert "très vite" in (await flooder.send("/aide"))[0].text
    for _ in range(2):
        replies = await colleague.send("/aide")
        assert replies and "très vite" not in replies[0].text

