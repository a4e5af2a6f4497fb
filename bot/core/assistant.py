"""The conversation: one event in, replies and effects out. Same core for every channel.

`Assistant.handle` is synchronous and pure apart from mutating the session
it is given; the adapters load that session before and save it after, and
carry out the returned effects (erase, subscribe, count).
"""

from __future__ import annotations

from bot.core import callbacks, flowchat, reminders, render
from bot.core.alerts_panel import alerts_reply
from bot.core.commands import canonical_command, command_language
from bot.core.content import Content
from bot.core.domain import DomainVocabulary
from bot.core.events import Context, CountTopic, Event, Forget, Unmatched
from bot.core.html import escape
from bot.core.language import detect_language
from bot.core.limits import DEFAULT_LANGUAGE, LANGUAGES
from bot.core.matching.matcher import Matcher
from bot.core.matching.semantic import Encoder
from bot.core.patient_data import looks_like_patient_data, redact
from bot.core.reply import Button, Outcome, Reply, rows
from bot.core.session import LastMatch, Session

MAX_BUTTON_NUMBER_DIGITS = 3


def user_language(session: Session, ctx: Context) -> str:
    """The language the member last spoke, else the one they chose, else Telegram's."""
    if session.spoken in LANGUAGES:
        return session.spoken
    if session.lang in LANGUAGES:
        return session.lang
    if ctx.user_lang and ctx.user_lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Assistant:
    def __init__(
        self, content: Content, matcher: Matcher | None = None, encoder: Encoder | None = None
    ):
        self.content = content
        self.matcher = matcher or Matcher(content.intents, encoder=encoder)
        self.domain = DomainVocabulary(self.matcher.folded_phrasings())

    def handle(self, session: Session, event: Event, ctx: Context) -> Outcome:
        spoken = (
            command_language(event.value)
            if event.kind == "command"
            else detect_language(event.value)
            if event.kind == "text" and session.flow is None
            else None
        )
        if spoken is not None:
            session.spoken = spoken
        lang = user_language(session, ctx)
        outcome = self._dispatch(session, event, ctx, lang)
        session.updated_at = ctx.now.timestamp()
        if not session.created_at:
            session.created_at = session.updated_at
        return outcome

    def _dispatch(self, session: Session, event: Event, ctx: Context, lang: str) -> Outcome:
        if session.flow is not None and flowchat.is_stale(self.content, session.flow):
            # A reload renamed or removed the step the member was at: the run cannot
            # go on, so it ends, and the member is told, whatever they sent.
            flowchat.end(session)
            outcome = self._dispatch(session, event, ctx, lang)
            expired = render.expired(self.content, lang)
            if expired in outcome.replies:
                return outcome
            return Outcome([expired, *outcome.replies], outcome.effects)
        if event.kind == "command":
            outcome = self._command(session, event, ctx, lang)
        elif event.kind == "press":
            outcome = self._press(session, event.value, ctx, lang)
        elif event.kind == "text":
            outcome = self._text(session, event.value, ctx, lang)
        else:
            outcome = Outcome([Reply(self.content.ui.get("media.only_text", lang))])
        return outcome

    # -- commands ---------------------------------------------------------------------

    def _command(self, session: Session, event: Event, ctx: Context, lang: str) -> Outcome:
        content = self.content
        name = canonical_command(event.value)
        if name == "start":
            replies = [render.welcome(content, lang)]
            if session.flow is not None and session.flow.flow in content.flows:
                flow = content.flows[session.flow.flow]
                replies.append(flowchat.resume_prompt(content, flow, session.flow, lang))
            return Outcome(replies)
        if name == "aide":
            return Outcome([render.help_reply(content, lang)])
        if name in {"notifier", "securite"}:
            flow_id = render.BREACH_FLOW if name == "notifier" else render.SECURITY_FLOW
            return self._start_flow(session, flow_id, ctx, lang)
        if name == "alertes":
            reply, effects = alerts_reply(content, ctx, lang, "sub")
            return Outcome([reply], effects)
        if name == "confidentialite":
            return Outcome(
                [render.answer(content, "bot.privacy", lang)]
                if "bot.privacy" in content.answers
                else [Reply(content.ui.get("help", lang))]
            )
        if name == "oubli":
            session.flow = None
            session.last_match = None
            return Outcome(
                [Reply(content.ui.get("forget.done", lang), render.main_menu(content, lang))],
                [Forget()],
            )
        if name == "langue":
            wanted = event.args.strip().lower()[:2]
            if wanted in LANGUAGES:
                session.lang = session.spoken = wanted
                return Outcome([Reply(content.ui.get("language.set", wanted))])
            buttons = [
                Button("Français", callbacks.encode("l", "fr")),
                Button("English", callbacks.encode("l", "en")),
            ]
            return Outcome([Reply(content.ui.get("language.choose", lang), (tuple(buttons),))])
        if name == "pourquoi":
            return Outcome([self._why(session, lang)])
        return Outcome([unknown_command(content, lang)])

    def _start_flow(self, session: Session, flow_id: str, ctx: Context, lang: str) -> Outcome:
        content = self.content
        flow = content.flows.get(flow_id)
        if flow is None:
            return Outcome([render.expired(content, lang)])
        if not ctx.private_chat:
            return Outcome([Reply(content.ui.get("group.private_only", lang))])
        state = session.flow
        if state is not None and state.flow == flow_id and state.steps:
            return Outcome([flowchat.resume_prompt(content, flow, state, lang)])
        turn = flowchat.start(content, session, flow, lang, ctx.now)
        return Outcome(turn.replies, turn.effects)

    def _why(self, session: Session, lang: str) -> Reply:
        ui = self.content.ui
        last = session.last_match
        if last is None:
            return Reply(ui.get("why.nothing", lang))
        title = self.content.title(last.topic, lang) if last.topic else "—"
        return Reply(
            ui.get(
                "why.explain",
                lang,
                title=escape(title),
                decision=escape(ui.get(f"why.decision.{last.decision}", lang)),
                example=escape(last.example or "—"),
                score=round(last.score),
            )
        )

    # -- buttons ----------------------------------------------------------------------

    def _press(self, session: Session, data: str, ctx: Context, lang: str) -> Outcome:
        content = self.content
        action = callbacks.decode(data)
        if action is None:
            return Outcome([render.expired(content, lang)])
        kind, args = action.kind, action.args
        if kind == "t" and len(args) == 1 and args[0] in content.answers:
            return Outcome([render.answer(content, args[0], lang)], [CountTopic(args[0], "button")])
        if kind == "m" and args == ("menu",):
            return Outcome([render.welcome(content, lang)])
        if kind == "m" and args == ("ask",):
            return Outcome([Reply(content.ui.get("ask.prompt", lang))])
        if kind == "s" and len(args) == 1 and args[0] in content.flows:
            return self._start_flow(session, args[0], ctx, lang)
        if kind == "f":
            turn = flowchat.press(content, session, args, lang, ctx.now)
            return Outcome(turn.replies, turn.effects)
        if kind == reminders.KIND and ctx.private_chat:
            if not ctx.reminders_available:
                return Outcome([Reply(content.ui.get("reminder.unavailable", lang))])
            return reminders.press(content, args, lang, ctx.now)
        if kind == "n" and not args:
            return Outcome([render.fallback(content, lang)])
        if kind == "l" and len(args) == 1 and args[0] in LANGUAGES:
            session.lang = session.spoken = args[0]
            return Outcome(
                [Reply(content.ui.get("language.set", args[0]), render.main_menu(content, args[0]))]
            )
        if kind == "a" and args and args[0] in {"sub", "unsub", "tog"}:
            category = args[1] if len(args) > 1 else None
            reply, effects = alerts_reply(content, ctx, lang, args[0], category)
            return Outcome([reply], effects)
        return Outcome([render.expired(content, lang)])

    # -- free text --------------------------------------------------------------------

    def _text(self, session: Session, text: str, ctx: Context, lang: str) -> Outcome:
        if not looks_like_patient_data(text):
            return self._understand(session, text, ctx, lang)
        # Patient data typed by mistake: warn at once, answer what the message asks (read
        # without the identifiers), and keep nothing of it, not even in the opt-in log.
        warning = Reply(self.content.ui.get("patient_data.warning", lang))
        outcome = self._understand(session, redact(text), ctx, lang)
        kept = [e for e in outcome.effects if not isinstance(e, Unmatched)]
        return Outcome([warning, *outcome.replies], kept)

    def _understand(self, session: Session, text: str, ctx: Context, lang: str) -> Outcome:
        content = self.content
        if session.flow is not None:
            turn = flowchat.text(content, session, text, lang, ctx.now)
            if turn is not None:
                return Outcome(turn.replies, turn.effects)
        bare = text.strip()
        if bare.isdecimal() and len(bare) <= MAX_BUTTON_NUMBER_DIGITS:
            # "15" with buttons on screen is a mistyped button, not a question on record
            # retention: say so rather than answer something.
            number = escape(bare)
            return Outcome([Reply(content.ui.get("number.not_a_button", lang, n=number))])
        match = self.matcher.match(text, lang_hint=lang)
        if session.flow is not None and not is_clear_question(text, match.decision):
            stayed = flowchat.stay(content, session, lang)
            if stayed is not None:
                return Outcome(stayed.replies, stayed.effects)
        answer_lang = match.lang if match.lang in LANGUAGES else lang
        session.last_match = LastMatch(
            match.topic, match.decision, match.score, match.example, answer_lang
        )
        effects: list[object] = [CountTopic(match.topic, match.decision)]
        in_domain = match.decision == "fallback" and self.domain.speaks_of(text)
        reply, unmatched = render.for_match(content, match, answer_lang, in_domain)
        if unmatched:
            effects.append(Unmatched(text, answer_lang))
        replies = [reply]
        state = session.flow
        if state is not None and state.flow in content.flows:
            flow = content.flows[state.flow]
            replies.append(
                Reply(
                    content.ui.get("flow.paused", lang, title=escape(flow.title(lang))),
                    rows(
                        [
                            Button(
                                content.ui.get("flow.resume", lang),
                                callbacks.encode("f", state.seq, "rs"),
                            )
                        ]
                    ),
                )
            )
        return Outcome(replies, effects)


# In a flow, typed text leaves it only when it is clearly a new question: a confident
# match, asked as a question or in a few words. "un voisin" stays in the flow.
MIN_QUESTION_WORDS = 4


def is_clear_question(text: str, decision: str) -> bool:
    asked = text.rstrip().endswith("?") or len(text.split()) >= MIN_QUESTION_WORDS
    return decision == "answer" and asked


def unknown_command(content: Content, lang: str) -> Reply:
    """Also the reply a non-admin gets for an admin command: it reveals nothing."""
    return Reply(content.ui.get("command.unknown", lang), render.main_menu(content, lang))
