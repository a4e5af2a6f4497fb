"""The member's side of security alerts: subscribe at once, adjust, leave in one tap."""

from __future__ import annotations

from bot.core import callbacks, render
from bot.core.content import Content
from bot.core.events import Context, Subscribe, Unsubscribe
from bot.core.html import escape
from bot.core.reply import Button, Reply, rows


def alerts_reply(
    content: Content, ctx: Context, lang: str, op: str, category: str | None = None
) -> tuple[Reply, list[object]]:
    ui = content.ui
    if not ctx.alerts_available:
        return Reply(ui.get("alerts.unavailable", lang), render.main_menu(content, lang)), []
    if not ctx.private_chat:
        return Reply(ui.get("group.private_only", lang)), []
    current = ctx.subscription.categories if ctx.subscription else None
    if op == "unsub":
        if current is None:
            return _unsubscribed(content, lang), []
        return _unsubscribed(content, lang), [Unsubscribe()]
    if op == "sub" and current is None:
        defaults = tuple(c.id for c in content.association.alert_categories if c.default)
        chosen = defaults or (content.association.alert_categories[0].id,)
        return _panel(content, lang, chosen, just_subscribed=True), [Subscribe(chosen, lang)]
    if op == "tog" and current is not None and category is not None:
        if content.association.category(category) is None:
            return render.expired(content, lang), []
        chosen = (
            tuple(c for c in current if c != category)
            if category in current
            else (*current, category)
        )
        if not chosen:
            return _unsubscribed(content, lang), [Unsubscribe()]
        return _panel(content, lang, chosen), [Subscribe(chosen, lang)]
    if current is None:
        return render.expired(content, lang), []
    return _panel(content, lang, current), []


def _panel(
    content: Content, lang: str, chosen: tuple[str, ...], just_subscribed: bool = False
) -> Reply:
    ui = content.ui
    lines = [ui.get("alerts.subscribed" if just_subscribed else "alerts.status", lang), ""]
    buttons: list[Button] = []
    for category in content.association.alert_categories:
        on = category.id in chosen
        label = category.labels.get(lang, category.id)
        lines.append(f"{'✅' if on else '⬜'} {escape(label)}")
        buttons.append(
            Button(f"{'✅' if on else '⬜'} {label}", callbacks.encode("a", "tog", category.id))
        )
    lines += ["", f"<i>{ui.get('alerts.stored', lang)}</i>"]
    buttons.append(Button(ui.get("alerts.unsubscribe", lang), callbacks.encode("a", "unsub")))
    buttons.append(render.menu_button(content, lang))
    return Reply("\n".join(lines), rows(buttons))


def _unsubscribed(content: Content, lang: str) -> Reply:
    ui = content.ui
    return Reply(
        ui.get("alerts.unsubscribed", lang),
        rows(
            [
                Button(ui.get("alerts.resubscribe", lang), callbacks.encode("a", "sub")),
                render.menu_button(content, lang),
            ]
        ),
    )
