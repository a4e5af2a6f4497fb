"""The conversation: one event in, replies and effects out. Same core for every channel.

`Assistant.handle` is synchronous and pure apart from mutating the session
it is given; the adapters load that session before and save it after, and
carry out the returned effects (erase, subscribe, count).
"""

from __future__ import annotations

from bot.core import callbacks, flowchat, reminders, render
from bot.core.alerts_panel import alerts_reply
from bot.core.commands import canonical_command
from bot.core.content import Content
from bot.core.events import Context, CountTopic, Event, Forget, Unmatched
from bot.core.html import escape
from bot.core.limits import DEFAULT_LANGUAGE, LANGUAGES
from bot.core.matcher import Matcher
from bot.core.reply import Button, Outcome, Reply, rows
from bot.core.session import LastMatch, Session


def user_language(session: Session, ctx: Context) -> str:
    if session.lang in LANGUAGES:
        return session.lang
    if ctx.user_lang and ctx.user_lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Assistant:
    def __init__(self, content: Content, matcher: Matcher | None = None):
        self.content = content
        self.matcher = matcher or Matcher(content.intents)

    def handle(self, session: Session, event: Event, ctx: Context) -> Outcome:
        lang = user_language(session, ctx)
        if event.kind == "command":
            outcome = self._command(session, event, ctx, lang)
        elif event.kind == "press":
            outcome = self._press(session, event.value, ctx, lang)
        elif event.kind == "text":
            outcome = self._text(session, event.value, ctx, lang)
        else:
            outcome = Outcome([Reply(self.content.ui.get("media.only_text", lang))])
        session.updated_at = ctx.now.timestamp()
        if not session.created_at:
            session.created_at = session.updated_at
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
                session.lang = wanted
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
            return reminders.press(content, args, lang, ctx.now)
        if kind == "n" and not args:
            return Outcome([render.fallback(content, lang)])
        if kind == "l" and len(args) == 1 and args[0] in LANGUAGES:
            session.lang = args[0]
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
        content = self.content
        if session.flow is not None:
            turn = flowchat.text(content, session, text, lang, ctx.now)
            if turn is not None:
                return Outcome(turn.replies, turn.effects)
        match = self.matcher.match(text, lang_hint=lang)
        answer_lang = match.lang if match.lang in LANGUAGES else lang
        session.last_match = LastMatch(
            match.topic, match.decision, match.score, match.example, answer_lang
        )
        effects: list[object] = [CountTopic(match.topic, match.decision)]
        reply, unmatched = render.for_match(content, match, answer_lang)
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


def unknown_command(content: Content, lang: str) -> Reply:
    """Also the reply a non-admin gets for an admin command: it reveals nothing."""
    return Reply(content.ui.get("command.unknown", lang), render.main_menu(content, lang))
