"""What the admin reads about a running broadcast: its progress message, and why it
paused itself when it did."""

from __future__ import annotations

import time

from bot.broadcast.guard import Suspension
from bot.broadcast.sender import Progress
from bot.core.html import escape


def progress_text(p: Progress, final: bool = False) -> str:
    info = p.info
    sent = info.counts.get("sent", 0)
    failed = info.counts.get("failed", 0) + info.counts.get("unsubscribed", 0)
    eta = p.eta_seconds(time.time())
    lines = [
        f"📣 Diffusion n°{info.id} : <b>{info.status}</b>",
        f"Envoyés : {sent} / {info.total} · échecs : {failed} · restants : {info.remaining}",
    ]
    if eta is not None and not final and info.remaining:
        lines.append(f"Fin estimée dans {int(eta) + 1} s")
    if final:
        lines.append("Rapport : " + ", ".join(f"{k} {v}" for k, v in sorted(info.counts.items())))
    if p.suspension is not None:
        lines.append("⚠️ " + escape(suspension_text(p.suspension)))
    return "\n".join(lines)


def suspension_text(why: Suspension) -> str:
    """Why the broadcast paused itself, for the admin."""
    if why.kind == "gone":
        return (
            f"Suspendue : Telegram dit que les {why.count} premiers destinataires ont tous "
            "bloqué le bot ou quitté Telegram, ce qui ressemble plutôt à un mauvais jeton "
            "(TELEGRAM_BOT_TOKEN) ou à un problème de réseau ; aucun abonnement n'a été "
            "supprimé. Vérifiez, puis reprenez-la avec /diffusions (les refus seront alors "
            "crus) ou annulez-la."
        )
    return (
        f"Suspendue : Telegram refuse le texte de cette alerte ({why.description}), même en "
        "texte brut, et le refuserait à chaque membre. Annulez-la avec /diffusions et "
        "envoyez un texte plus court ou corrigé."
    )
