"""Who may use the console: one-time login links and browser sessions, in memory.

A link is valid 10 minutes and usable once; a session lasts 12 hours. Only hashes of
the link tokens and session ids are kept, and an admin is remembered by the HMAC key
of their Telegram id (never the raw id). Whether that key is still an admin's is
checked again on every request, so removing someone from VIGIE_ADMIN_IDS ends their
access at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

LINK_SECONDS = 600
SESSION_SECONDS = 12 * 3600


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class WebSession:
    admin_key: str
    expires: float
    csrf: str


class ConsoleAuth:
    def __init__(
        self,
        is_admin_key: Callable[[str], bool],
        clock: Callable[[], float] = time.time,
    ):
        self._is_admin_key = is_admin_key
        self.clock = clock
        self._links: dict[str, tuple[str, float]] = {}
        self._sessions: dict[str, WebSession] = {}

    def issue_link_token(self, admin_key: str) -> str:
        self._forget_expired()
        token = secrets.token_urlsafe(32)
        self._links[_digest(token)] = (admin_key, self.clock() + LINK_SECONDS)
        return token

    def link_is_valid(self, token: str) -> bool:
        found = self._links.get(_digest(token))
        return found is not None and found[1] > self.clock() and self._is_admin_key(found[0])

    def redeem(self, token: str) -> str | None:
        """A new session id for a valid, unused link (which is used up), else None."""
        found = self._links.pop(_digest(token), None)
        if found is None or found[1] <= self.clock() or not self._is_admin_key(found[0]):
            return None
        session_id = secrets.token_urlsafe(32)
        self._sessions[_digest(session_id)] = WebSession(
            found[0], self.clock() + SESSION_SECONDS, secrets.token_urlsafe(24)
        )
        return session_id

    def session(self, session_id: str | None) -> WebSession | None:
        """The live session of a current admin, else None (and a dead session is dropped)."""
        if not session_id:
            return None
        key = _digest(session_id)
        found = self._sessions.get(key)
        if found is None:
            return None
        if found.expires <= self.clock() or not self._is_admin_key(found.admin_key):
            del self._sessions[key]
            return None
        return found

    def logout(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(_digest(session_id), None)

    def _forget_expired(self) -> None:
        now = self.clock()
        for key in [k for k, (_, expires) in self._links.items() if expires <= now]:
            del self._links[key]
        for key in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]
