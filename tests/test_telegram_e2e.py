"""End-to-end conversations: the real `vigie run` Application over HTTP against a fake
Telegram Bot API on loopback (tests/fakes), with a fresh SQLite file per test.

The core conversation is covered in test_conversation.py; here we check what only the
real stack shows: Telegram's HTTP contract (HTML accepted, 4,096-character limit, callback
answers, webhooks), persistence across restarts, concurrency and what ends up on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot.adapters.telegram.handlers import send_reply
from bot.core.reply import Button, Reply
from tests.docx_support import docx_text
from tests.e2e_support import Harness, Launch, vigie_problems  # fixtures: conftest.py
from tests.fakes.bot_api import FakeBotApi, render_markup
from tests.fakes.conversation import Chat
from tests.fakes.conversation import Reply as Seen

MAIN_BUTTONS_FR = [
    "🚨 Dois-je notifier la CNIL ?",
    "🔒 Sécurité de mon cabinet",
    "🔔 Recevoir les alertes",
    "💬 Poser une question",
]
EXPIRED = "Ce bouton a expiré"
UNKNOWN_COMMAND = "Je ne connais pas cette commande"
ONLY_TEXT = "Je ne lis que le texte"


@pytest.fixture
async def bot(launch: Launch) -> Harness:
    """Vigie with the default settings, long polling."""
    return await launch()


def texts(replies: list[Seen]) -> str:
    return "\n".join(r.text for r in replies)


def labels(replies: list[Seen]) -> list[str]:
    return [label for r in replies for label in r.button_texts]


def assert_valid_html(replies: list[Seen]) -> None:
    """Every text reply was sent as HTML and the fake (Telegram's parser) accepted it."""
    for reply in replies:
        if reply.method == "sendMessage":
            assert reply.parse_mode == "HTML", reply.raw_text[:80]
            assert render_markup(reply.raw_text, "HTML") == reply.text


# ------------------------------------------------------------------------ 1. welcome


async def test_start_greets_in_french_with_the_four_main_paths(bot: Harness) -> None:
    doctor = bot.chat(1001, language_code="fr")
    replies = await doctor.send("/start")
    assert len(replies) == 1
    assert replies[0].text.startswith("Bonjour 👋 Je suis Vigie")
    assert "<b>Vigie</b>" in replies[0].raw_text
    assert replies[0].button_texts == MAIN_BUTTONS_FR
    assert_valid_html(replies)


async def test_start_greets_english_telegram_users_in_english(bot: Harness) -> None:
    doctor = bot.chat(1002, language_code="en")
    replies = await doctor.send("/start")
    assert replies[0].text.startswith("Hello 👋 I am Vigie")
    assert replies[0].button_texts[0] == "🚨 Must I notify the CNIL?"
    assert len(replies[0].button_texts) == 4


async def test_command_menus_are_registered_in_french_english_and_by_default(
    bot: Harness,
) -> None:
    french = ["aide", "notifier", "securite", "alertes", "confidentialite", "oubli", "langue",
              "pourquoi", "moi"]  # fmt: skip
    english = ["help", "notify", "security", "alerts", "privacy", "forget", "language", "why",
               "whoami"]  # fmt: skip
    menus: dict[str, list[tuple[str, str]]] = {}
    for lang in ("fr", "en", ""):
        menu = bot.api.commands(lang)
        assert menu is not None, f"setMyCommands never called for language {lang!r}"
        menus[lang] = menu
        assert bot.api.commands(lang, {"type": "default"}) == menu
    names = {lang: [name for name, _ in menu if name != "start"] for lang, menu in menus.items()}
    assert names == {"fr": french, "en": english, "": french}
    assert menus[""] == menus["fr"]
    assert dict(menus["en"])["forget"] != dict(menus["fr"])["oubli"]  # English descriptions
    calls = bot.api.calls_to("setMyCommands")
    assert calls and all(c.ok for c in calls)


# ------------------------------------------------------------------------ 2-3. answers


async def test_typed_question_gets_html_answer_and_related_topics_are_clickable(
    bot: Harness,
) -> None:
    doctor = bot.chat(1003)
    replies = await doctor.send("j'ai combien de temps pour notifier la cnil apres une fuite ?")
    assert len(replies) == 1
    answer = replies[0]
    assert "72 heures" in answer.text
    assert re.search(r"<(b|i|a)\b", answer.raw_text), "the answer should use HTML formatting"
    assert_valid_html(replies)
    related = [label for label in answer.button_texts if "Menu" not in label]
    assert len(related) >= 2
    assert "Comment notifier une violation à la CNIL" in related

    topic = await doctor.click("Comment notifier une violation à la CNIL")
    assert topic[0].text.startswith("Comment notifier une violation à la CNIL")
    assert "téléservice" in topic[0].text
    assert_valid_html(topic)


async def test_button_press_is_acknowledged_before_the_reply(bot: Harness) -> None:
    doctor = bot.chat(1004)
    await doctor.send("/start")
    start = len(bot.api.calls)
    replies = await doctor.click("🔒 Sécurité de mon cabinet")
    assert replies
    calls = bot.api.calls[start:]
    answers = [i for i, c in enumerate(calls) if c.method == "answerCallbackQuery"]
    sends = [i for i, c in enumerate(calls) if c.method == "sendMessage" and c.chat_id == 1004]
    assert len(answers) == 1 and calls[answers[0]].ok
    assert sends and answers[0] < sends[0]
    assert len(doctor.answered_callbacks) == 1


# ------------------------------------------------------------------------ 4. forged buttons


@pytest.mark.parametrize("data", ["1|f:999:c0", "garbage", "1|t:nope.nope", "é" * 32])
async def test_expired_or_forged_button_gets_the_menu_without_error(
    bot: Harness, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    caplog.set_level(logging.INFO)
    doctor = bot.chat(1005)
    await doctor.send("/notifier")
    await doctor.click("Oui")
    question = doctor.last
    replies = await doctor.click_data(data, message_id=question.message_id)
    assert len(doctor.answered_callbacks) == 2  # the spinner stops for the forged one too
    assert texts(replies).startswith(EXPIRED)
    assert labels(replies) == MAIN_BUTTONS_FR
    assert bot.api.internal_errors == []
    assert vigie_problems(caplog) == []
    # the flow did not move: the question's own buttons still work
    after = await doctor.click("Mes données (responsable)", message_id=question.message_id)
    assert "non autorisé" in texts(after)


# ------------------------------------------------------------------------ 5. breach flow


async def test_breach_flow_survives_a_restart_and_ends_with_a_verdict_and_drafts(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    doctor = bot.chat(1006)
    replies = await doctor.send("/notifier")
    assert "Dois-je notifier la CNIL" in replies[0].text
    assert "Question 1" in doctor.last.text

    await doctor.click("Oui")
    await doctor.click("Mes données (responsable)")
    assert "voir, copier ou recevoir" in doctor.last.text
    await doctor.click("Oui")
    assert "modifiées ou falsifiées" in doctor.last.text

    undone = await doctor.click("↩ Retour")
    assert "voir, copier ou recevoir" in undone[-1].text  # back to the previous question
    await doctor.click("Je ne peux pas l'exclure")
    before_restart = doctor.last
    assert "modifiées ou falsifiées" in before_restart.text

    await bot.restart()  # a new Application, same database and secret

    replies = await doctor.click("Non", message_id=before_restart.message_id)
    assert "perdues, détruites ou rendues inaccessibles" in texts(replies)
    assert EXPIRED not in texts(replies)
    for answer in [
        "Non",
        "Pirate, voleur ou inconnu",
        "Non ou je ne sais pas",
        "Non ou pas sûr",
        "Santé, NIR, bancaire, mots de passe",
        "Moins de 50",
    ]:
        replies = await doctor.click(answer)
        assert replies and EXPIRED not in texts(replies), answer  # fmt: skip
    assert "Quand avez-vous su" in doctor.last.text

    prompt = await doctor.click("Autre date…")
    assert "JJ/MM/AAAA HH:MM" in texts(prompt)
    invalid = await doctor.send("la semaine dernière vers 8h")
    assert "Je n'ai pas compris cette date" in texts(invalid)
    assert "03/02/2026 14:30" in texts(invalid)  # the format example
    future = await doctor.send("01/01/2099 10:00")
    assert "dans le futur" in texts(future)
    recap = await doctor.send("02/03/2026 08:00")
    summary = texts(recap)
    assert "Récapitulatif" in summary
    assert "Je ne peux pas l'exclure" in summary  # the undone answer was replaced
    assert "02/03/2026" in summary

    verdict = await doctor.click("✅ Voir le résultat")
    assert verdict[0].text.startswith("Résultat")
    assert "notifiez la CNIL" in verdict[0].text
    assert "informez les personnes concernées" in verdict[0].text
    assert_valid_html(verdict)
    documents = bot.api.documents(chat_id=1006)
    assert [name.rsplit("-", 1)[0] for name, _ in documents] == [
        "vigie-notification-cnil",
        "vigie-registre-violations",
        "vigie-lettre-patients",
    ]
    assert all(name.endswith(".docx") for name, _ in documents)
    notification = docx_text(documents[0][1])
    assert "Projet de notification" in notification and "[À COMPLÉTER" in notification
    assert [r.method for r in verdict][-3:] == ["sendDocument"] * 3
    assert vigie_problems(caplog) == []


# ------------------------------------------------------------------------ 6. forget


async def test_forget_erases_sessions_and_subscriptions(bot: Harness) -> None:
    doctor = bot.chat(1007)
    replies = await doctor.send("/alertes")
    assert "abonné" in texts(replies)
    assert bot.query("SELECT chat_id FROM subscriptions") == [(1007,)]
    await doctor.send("/notifier")
    await doctor.click("Oui")
    assert bot.count("sessions") == 1

    replies = await doctor.send("/oubli")
    assert "effacés" in texts(replies)
    assert bot.count("sessions") == 0
    assert bot.count("subscriptions") == 0
    # and the old flow cannot be resumed
    again = await doctor.send("/notifier")
    assert "Reprendre" not in " ".join(labels(again))


# ------------------------------------------------------------------------ 7. privacy


PRIVATE_ID = 987_654_321
SUBSCRIBER_ID = 555_123_777
SECRET_WORDS = ("Zorglub", "Quintessence")


def integer_encodings(n: int) -> list[bytes]:
    """How an integer can sit in a SQLite file: as text, big-endian int, or varint (rowid)."""
    varint = bytearray()
    value = n
    groups = []
    while True:
        groups.append(value & 0x7F)
        value >>= 7
        if not value:
            break
    for i, group in enumerate(reversed(groups)):
        varint.append(group | (0x80 if i < len(groups) - 1 else 0))
    return [
        str(n).encode(),
        str(n).encode("utf-16-le"),
        n.to_bytes(4, "big"),
        n.to_bytes(6, "big"),
        n.to_bytes(8, "big"),
        bytes(varint),
    ]


def leaks(blobs: dict[str, bytes], needles: list[bytes]) -> list[str]:
    return [f"{needle!r} in {name}" for name, blob in blobs.items() for needle in needles
            if needle in blob]  # fmt: skip


async def test_no_user_id_or_typed_text_on_disk_or_in_logs(
    launch: Launch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level, from start-up on
    bot = await launch()
    doctor = bot.chat(PRIVATE_ID, username="dr_martin")
    await doctor.send("/start")
    await doctor.send("mon patient Zorglub Quintessence a perdu sa clé")
    await doctor.send("faut il un DPO pour un medecin seul")
    await doctor.send("/pourquoi")
    await doctor.send("/notifier")
    await doctor.click("Oui")
    await doctor.click("Mes données (responsable)")
    await doctor.click("Je ne peux pas l'exclure")
    await doctor.send("Zorglub Quintessence 12/12/2025")  # typed in the middle of a flow
    await doctor.send("/aide")
    subscriber = bot.chat(SUBSCRIBER_ID)
    await subscriber.send("/alertes")
    await subscriber.send("mon patient Zorglub Quintessence a perdu sa clé")
    assert bot.count("sessions") == 2  # the flow is saved, under pseudonymous keys
    assert bot.query("SELECT chat_id FROM subscriptions") == [(SUBSCRIBER_ID,)]

    secret = [w.encode() for w in SECRET_WORDS] + [w.encode("utf-16-le") for w in SECRET_WORDS]
    secret += [w.lower().encode() for w in SECRET_WORDS]
    forbidden = integer_encodings(PRIVATE_ID) + secret

    # 1. the raw files while the bot runs (main file and write-ahead log)
    files = bot.database_bytes()
    assert "vigie.db-wal" in files
    assert leaks(files, forbidden) == []

    # 2. the subscriber's chat id only in the subscriptions table
    conn = sqlite3.connect(bot.db_path)
    try:
        dump = "\n".join(
            line for line in conn.iterdump() if 'INSERT INTO "subscriptions"' not in line
        )
    finally:
        conn.close()
    assert str(SUBSCRIBER_ID) not in dump
    assert str(PRIVATE_ID) not in dump

    # 3. the log records.  Everything Vigie logs, at every level, and everything any
    # library logs at the level `vigie run` configures (INFO).  Below INFO, PTB, httpcore
    # and aiosqlite dump whole updates and SQL parameters by design: never run in DEBUG.
    assert caplog.records, "the capture saw nothing: the check would be vacuous"
    audited = [r for r in caplog.records if _is_vigie(r) or r.levelno >= logging.INFO]
    assert any(_is_vigie(r) for r in audited)  # e.g. "Vigie started"
    for needle in (str(PRIVATE_ID), str(SUBSCRIBER_ID), *SECRET_WORDS):
        offending = [
            f"{r.name} {r.levelname}: {_record_text(r)[:120]}"
            for r in audited
            if needle.lower() in _record_text(r).lower()
        ]
        assert offending == [], needle

    # 4. after /oubli and a clean shutdown (checkpointed into the main file)
    await subscriber.send("/oubli")
    await bot.stop()
    files = bot.database_bytes()
    assert leaks(files, integer_encodings(PRIVATE_ID) + secret) == []


def _record_text(record: logging.LogRecord) -> str:
    return f"{record.getMessage()} {record.exc_text or ''} {record.stack_info or ''}"


def _is_vigie(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] in ("vigie", "bot")


# ------------------------------------------------------------------------ 8. silence


async def test_media_in_private_get_a_polite_sentence_and_edits_are_ignored(
    bot: Harness,
) -> None:
    doctor = bot.chat(1008)
    sticker = await doctor.sticker()
    assert len(sticker) == 1 and sticker[0].text.startswith(ONLY_TEXT)
    photo = await doctor.photo(caption="radio du patient")
    assert len(photo) == 1 and photo[0].text.startswith(ONLY_TEXT)
    await doctor.send("bonjour")
    assert await doctor.edit("j'ai combien de temps pour notifier la cnil ?") == []


async def test_in_groups_only_commands_addressed_to_vigie_get_an_answer(bot: Harness) -> None:
    group = bot.chat(1009, chat_id=-4_000_123)
    assert await group.send("j'ai combien de temps pour notifier la cnil ?") == []
    assert await group.sticker() == []
    assert await group.send("/aide@other_bot") == []
    replies = await group.send("/aide@vigie_test_bot")
    assert len(replies) == 1 and "Vigie" in replies[0].text
    replies = await group.send("/notifier")
    assert "conversation privée" in texts(replies)
    assert bot.count("sessions") == 0
    assert bot.count("subscriptions") == 0
    assert bot.api.sent(chat_id=1009) == []  # nothing leaks to the member's private chat


# ------------------------------------------------------------------------ 9. long texts


async def test_a_4096_character_message_gets_an_answer(bot: Harness) -> None:
    doctor = bot.chat(1010)
    text = ("sauvegarde du cabinet chiffrée " * 140)[:4096]
    assert len(text) == 4096
    replies = await doctor.send(text)
    assert replies
    assert_valid_html(replies)


async def test_a_reply_longer_than_telegram_allows_is_split_into_valid_html(
    bot: Harness,
) -> None:
    paragraphs = [
        f"<b>Point {i} &amp; suite</b> : chiffrez le poste n°{i} 🔒, voir "
        f'<a href="https://www.cnil.fr/fr/{i}">la fiche {i}</a> &lt;important&gt;.\n'
        for i in range(120)
    ]
    long_bold = "<b>" + " ".join(f"mot{i}" for i in range(900)) + "</b>\n"
    text = "".join(paragraphs[:60]) + long_bold + "".join(paragraphs[60:]) + "<i>Fin.</i>"
    assert len(render_markup(text, "HTML")) > 2 * 4096
    reply = Reply(text, buttons=((Button("☰ Menu", "1|m:menu"),),))
    context: Any = CallbackContext(bot.app)
    start = len(bot.api.calls)

    await send_reply(context, 1011, reply)
    await bot.idle()

    calls = [c for c in bot.api.calls[start:] if c.method == "sendMessage"]
    assert len(calls) >= 3
    assert all(c.ok for c in calls), [c.description for c in calls if not c.ok]
    assert all(c.params.get("parse_mode") == "HTML" for c in calls)
    shown = [c.result["text"] for c in calls]
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in shown)
    assert ["reply_markup" in c.result for c in calls] == [False] * (len(calls) - 1) + [True]
    joined = "".join(shown)
    for i in (0, 59, 60, 119):
        assert f"Point {i} & suite" in joined
    assert "mot0 " in joined and "mot899" in joined
    assert joined.rstrip().endswith("Fin.")
    positions = [joined.index(f"Point {i} &") for i in range(120)]
    assert positions == sorted(positions)  # nothing reordered or lost


# ------------------------------------------------------------------------ 10. concurrency


async def test_users_are_served_concurrently_and_each_in_order(bot: Harness) -> None:
    alice, bob = 2001, 2002
    script = [
        ("/aide", "Aide"),
        ("/confidentialite", "Mes données dans Vigie"),
        ("/pourquoi", "Je n'ai encore répondu"),
        ("/nimportequoi", UNKNOWN_COMMAND),
        ("/start", "Bonjour"),
    ]
    bob_served = asyncio.Event()
    holding: list[int] = []  # Alice's first reply, once it is being held
    held: list[bool] = []  # was Bob fully served while Alice's first reply was held?
    bob_sends = 0

    async def hold_alices_first_reply_until_bob_is_served(
        method: str, params: dict[str, Any]
    ) -> None:
        # A slow network path for Alice's first reply: it completes only once Bob got all
        # his replies (or after 3 s, if Bob was stuck behind Alice).
        nonlocal bob_sends
        if method != "sendMessage":
            return
        if params.get("chat_id") == bob:
            bob_sends += 1
            if bob_sends == len(script):
                bob_served.set()
        elif params.get("chat_id") == alice and not holding:
            holding.append(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bob_served.wait(), 3)
            held.append(bob_served.is_set())

    bot.api.rule = hold_alices_first_reply_until_bob_is_served
    for text, _ in script:  # interleaved, all pushed at once
        bot.api.message(alice, text)
        bot.api.message(bob, text)
    await bot.api.wait_idle(app=bot.app, timeout=10)

    assert held == [True], "Bob waited for Alice: updates are not processed concurrently"
    for user in (alice, bob):
        replies = [c for c in bot.api.sent(chat_id=user) if c.method == "sendMessage"]
        replies.sort(key=lambda c: c.result["message_id"])  # the order the user sees
        seen = [c.result["text"] for c in replies]
        assert len(seen) == len(script), seen
        for (text, expected), shown in zip(script, seen, strict=True):
            assert shown.startswith(expected), (user, text, shown[:60])


# ------------------------------------------------------------------------ 11. admin


async def test_only_the_admin_id_can_reload(launch: Launch) -> None:
    bot = await launch(VIGIE_ADMIN_IDS="42")
    admin = bot.chat(42, username="dr_admin")
    replies = await admin.send("/reload")
    assert "Contenu rechargé" in texts(replies)

    member = bot.chat(43)
    refused = await member.send("/reload")
    unknown = await member.send("/nimportequoi")
    assert texts(refused) == texts(unknown)
    assert texts(refused).startswith(UNKNOWN_COMMAND)

    impostor = bot.chat(44, username="dr_admin", first_name="Admin")
    assert texts(await impostor.send("/reload")) == texts(unknown)
    assert texts(await impostor.send("/recharger")) == texts(unknown)


# ------------------------------------------------------------------------ 12. Telegram errors


async def test_a_user_who_blocked_the_bot_costs_one_info_line(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    blocked = bot.chat(3001)
    bot.api.block(3001)
    start = len(caplog.records)
    await blocked.send("/notifier")  # two replies: intro and first question
    assert [c.status for c in bot.api.calls_to("sendMessage", chat_id=3001)] == [403]
    records = [r for r in caplog.records[start:] if r.levelno >= logging.INFO and r.name != "httpx"]
    assert len(records) <= 1, [r.getMessage() for r in records]
    assert all(r.levelno == logging.INFO for r in records)
    assert all("3001" not in r.getMessage() for r in records)

    other = bot.chat(3002)
    replies = await other.send("/start")
    assert replies and replies[0].button_texts == MAIN_BUTTONS_FR
    assert vigie_problems(caplog) == []


async def test_html_refused_by_telegram_is_resent_as_plain_text(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    doctor = bot.chat(3003)
    bot.api.fail(
        "sendMessage",
        status=400,
        description="Bad Request: can't parse entities: Unsupported start tag at byte offset 0",
        chat_id=3003,
    )
    replies = await doctor.send("j'ai combien de temps pour notifier la cnil apres une fuite ?")
    calls = bot.api.calls_to("sendMessage", chat_id=3003)
    assert [c.status for c in calls] == [400, 200]
    assert calls[1].params.get("parse_mode") is None
    assert len(replies) == 1
    assert "72 heures" in replies[0].text
    assert "<b>" not in replies[0].text and "&amp;" not in replies[0].text
    assert replies[0].text == render_markup(str(calls[0].params["text"]), "HTML")
    assert "Comment notifier une violation à la CNIL" in replies[0].button_texts
    # the next reply is HTML again
    again = await doctor.send("/start")
    assert again[0].parse_mode == "HTML"


# ------------------------------------------------------------------------ 13. webhook


async def test_webhook_accepts_only_updates_with_the_secret_token(launch: Launch) -> None:
    bot = await launch(mode="webhook")
    api: FakeBotApi = bot.api
    assert api.webhook_url.startswith("http://127.0.0.1:")
    assert bot.secret_token

    for token in ("wrong-secret", None):
        update = api.message(4001, "/aide", push=False)
        status = await api.post_webhook(api.webhook_url, update, secret_token=token)
        assert status == 403, token
    await bot.idle()
    assert api.sent(chat_id=4001) == []

    update = api.message(4001, "/aide", push=False)
    status = await api.post_webhook(api.webhook_url, update, secret_token=bot.secret_token)
    assert status == 200
    await bot.idle()
    assert [t.split("\n")[0] for t in api.sent_texts(chat_id=4001)] == [
        "Aide : que sait faire Vigie ?"
    ]

    # Telegram's own deliveries (with the secret given to setWebhook) work end to end
    doctor: Chat = bot.chat(4002)
    replies = await doctor.send("/start")
    assert replies[0].button_texts == MAIN_BUTTONS_FR
    replies = await doctor.click("🔒 Sécurité de mon cabinet")
    assert replies and len(doctor.answered_callbacks) == 1
