"""/moi (/whoami): a volunteer finds their numeric id for VIGIE_ADMIN_IDS (#15).

The real `vigie run` Application against the fake Bot API, a real SQLite file:
the id is answered in a private chat and nowhere kept, neither in the database
nor in the logs.
"""

from __future__ import annotations

import logging

import pytest

from tests.e2e_support import Harness, Launch

MEMBER_ID = 736_118_452


@pytest.fixture
async def bot(launch: Launch) -> Harness:
    """`vigie run` on a fresh database, against the fake Bot API (tests/e2e_support.py)."""
    return await launch()


async def test_moi_answers_my_own_id_says_what_it_is_for_and_keeps_nothing(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    volunteer = bot.chat(MEMBER_ID)
    with caplog.at_level(logging.DEBUG):
        replies = await volunteer.send("/moi")
    assert len(replies) == 1
    assert f"Votre identifiant Telegram numérique : {MEMBER_ID}" in replies[0].text
    assert "VIGIE_ADMIN_IDS" in replies[0].text
    assert bot.count("sessions") == 0
    assert str(MEMBER_ID).encode() not in b"".join(bot.database_bytes().values())
    assert not [r for r in caplog.records if str(MEMBER_ID) in r.getMessage()
                and r.name.startswith(("vigie", "bot"))]  # fmt: skip


async def test_whoami_in_english_and_the_id_stays_out_of_groups(bot: Harness) -> None:
    english = bot.chat(MEMBER_ID, language_code="en")
    replies = await english.send("/whoami")
    assert f"Your numeric Telegram id: {MEMBER_ID}" in replies[0].text
    group = bot.chat(MEMBER_ID, chat_id=-4_000_777)
    replies = await group.send("/moi@vigie_test_bot")
    assert len(replies) == 1 and str(MEMBER_ID) not in replies[0].text
    assert "conversation privée" in replies[0].text
    assert bot.count("sessions") == 0
