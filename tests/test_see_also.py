"""An answer with a close second topic: answered at once, the second offered as a button."""

from __future__ import annotations

from bot.core import callbacks, render
from bot.core.content import Content
from bot.core.matching.lexical import Candidate
from bot.core.matching.matcher import Match


def test_a_close_second_topic_is_a_see_also_button_above_the_answer(content: Content) -> None:
    second = Candidate("breach.inform_patients", 88.0, "prévenir les patients")
    match = Match("answer", "breach.deadline", 93.0, (), "fr", "délai", see_also=(second,))
    reply, unmatched = render.for_match(content, match, "fr")
    assert not unmatched
    assert reply.text.startswith(f"<b>{content.title('breach.deadline', 'fr')}")
    buttons = reply.all_buttons()
    title = content.title("breach.inform_patients", "fr")
    assert buttons[0].label == f"Voir aussi : {title}"
    assert callbacks.decode(buttons[0].data) == callbacks.decode(
        callbacks.encode("t", "breach.inform_patients")
    )
    targets = [callbacks.decode(b.data) for b in buttons]
    assert targets.count(targets[0]) == 1  # not offered twice when also a related topic


def test_an_answer_without_a_close_second_has_no_see_also(content: Content) -> None:
    match = Match("answer", "breach.deadline", 97.0, (), "en", "deadline")
    reply, _ = render.for_match(content, match, "en")
    assert not any(b.label.startswith("See also") for b in reply.all_buttons())
