"""Build the replies that do not depend on a flow: answers, menus, fallbacks."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core import callbacks
from bot.core.content import OUT_OF_SCOPE, SMALLTALK_PREFIX, Content
from bot.core.html import escape
from bot.core.matching.matcher import Candidate, Match
from bot.core.reply import Button, Reply, rows

BREACH_FLOW = "breach_notification"
SECURITY_FLOW = "security_checkup"
SECURITY_TOPIC = "security.art32_overview"


def menu_button(content: Content, lang: str) -> Button:
    return Button(content.ui.get("button.menu", lang), callbacks.encode("m", "menu"))


def main_menu(content: Content, lang: str) -> tuple[tuple[Button, ...], ...]:
    ui = content.ui
    buttons = [
        Button(ui.get("menu.notify", lang), callbacks.encode("s", BREACH_FLOW)),
        Button(ui.get("menu.security", lang), callbacks.encode("t", SECURITY_TOPIC)),
        Button(ui.get("menu.alerts", lang), callbacks.encode("a", "sub")),
        Button(ui.get("menu.ask", lang), callbacks.encode("m", "ask")),
    ]
    return rows(buttons)


def welcome(content: Content, lang: str) -> Reply:
    text = content.ui.get("welcome", lang, name=escape(content.association.name))
    return Reply(text, main_menu(content, lang))


# At most this many "Voir aussi" buttons above an answer.
MAX_SEE_ALSO = 2


def topic_buttons(content: Content, topics: Iterable[str], lang: str) -> list[Button]:
    return [
        Button(content.title(t, lang), callbacks.encode("t", t))
        for t in topics
        if t in content.answers
    ]


def answer(content: Content, topic: str, lang: str, see_also: Iterable[str] = ()) -> Reply:
    """A topic's answer: title, text, sources, then its flow and related topics as buttons.

    `see_also`: topics the question was almost as close to, offered first ("Voir aussi : …")
    instead of asking "did you mean" before answering."""
    item = content.answers[topic]
    local = item.in_lang(lang)
    if topic.startswith(SMALLTALK_PREFIX):
        text = local.text.strip()
    else:
        sources = content.ui.get("answer.sources", lang)
        text = (
            f"<b>{escape(local.title)}</b>\n\n{local.text.strip()}\n\n"
            f"<i>{sources} {escape(local.sources)}</i>"
        )
    buttons: list[Button] = []
    prefix = content.ui.get("answer.see_also", lang)
    close = [t for t in see_also if t != topic and t in content.answers][:MAX_SEE_ALSO]
    buttons += [
        Button(f"{prefix} {content.title(t, lang)}", callbacks.encode("t", t)) for t in close
    ]
    if item.flow and item.flow in content.flows:
        label = content.ui.get(f"flow.start.{item.flow}", lang)
        buttons.append(Button(label, callbacks.encode("s", item.flow)))
    buttons += topic_buttons(content, [t for t in item.related if t not in close], lang)
    buttons.append(menu_button(content, lang))
    return Reply(text, rows(buttons))


def out_of_scope(content: Content, lang: str) -> Reply:
    if OUT_OF_SCOPE in content.answers:
        text = content.answers[OUT_OF_SCOPE].in_lang(lang).text.strip()
    else:
        text = content.ui.get("fallback", lang)
    return Reply(text, main_menu(content, lang))


def fallback(
    content: Content, lang: str, suggestions: Iterable[Candidate] = (), key: str = "fallback"
) -> Reply:
    """Nothing matched well: say so honestly, suggest, and give the human contact."""
    assoc = content.association
    text = content.ui.get(
        key, lang, email=escape(assoc.contact_email), phone=escape(assoc.contact_phone)
    )
    buttons = topic_buttons(content, [c.topic for c in suggestions][:3], lang)
    return Reply(text, rows(buttons) + main_menu(content, lang))


def clarify(content: Content, best: str, others: Iterable[Candidate], lang: str) -> Reply:
    topics = [best, *[c.topic for c in others]][:3]
    buttons = topic_buttons(content, topics, lang)
    buttons.append(Button(content.ui.get("clarify.none", lang), callbacks.encode("n")))
    return Reply(content.ui.get("clarify", lang), rows(buttons))


def expired(content: Content, lang: str) -> Reply:
    return Reply(content.ui.get("expired", lang), main_menu(content, lang))


def help_reply(content: Content, lang: str) -> Reply:
    if "bot.help" in content.answers:
        return answer(content, "bot.help", lang)
    return Reply(content.ui.get("help", lang), main_menu(content, lang))


def for_match(
    content: Content, match: Match, lang: str, in_domain: bool = False
) -> tuple[Reply, bool]:
    """The reply for a matcher decision, and whether the question went unmatched.

    `in_domain`: the question speaks of data protection or security although no topic
    matched: Vigie has no sheet on it yet, which is not the same as "out of scope"."""
    if match.decision == "answer" and match.topic is not None and match.topic in content.answers:
        see_also = [c.topic for c in match.see_also]
        return answer(content, match.topic, lang, see_also), False
    if match.decision == "clarify" and match.topic is not None:
        return clarify(content, match.topic, match.alternatives, lang), False
    if match.out_of_scope:
        return out_of_scope(content, lang), False
    if in_domain:
        return fallback(content, lang, match.alternatives, key="not_covered"), True
    return fallback(content, lang, match.alternatives), True
