"""/moi (/whoami): the member's own numeric Telegram id, to give to the operator.

The operator needs it for VIGIE_ADMIN_IDS and has no other easy way to find it.
The service answers this command before loading or saving anything: no
session row, no counter, no log line carries the id.
"""

from __future__ import annotations

from bot.core.content import Content
from bot.core.reply import Reply


def whoami_reply(content: Content, user_id: int, private: bool, lang: str) -> Reply:
    if not private:  # an id shown in a group is an id given to everyone in it
        return Reply(content.ui.get("whoami.group", lang))
    return Reply(content.ui.get("whoami.private", lang, id=str(user_id)))
