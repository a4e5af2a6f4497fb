"""What Vigie remembers about a member between messages: never what they typed.

The session holds the language, the flow step and the enumerated answers given
in it, and the last match (topic, the example phrasing from our own content,
score) for /pourquoi. It round-trips through JSON (a property test checks it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.core.flows.engine import FlowState


@dataclass(frozen=True)
class LastMatch:
    topic: str | None
    decision: str
    score: float
    example: str | None
    lang: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "decision": self.decision,
            "score": self.score,
            "example": self.example,
            "lang": self.lang,
        }


@dataclass
class Session:
    # Chosen with /langue; `spoken` is the language the member last used (a typed question
    # whose language is clear, or /notify rather than /notifier): one language per exchange.
    lang: str | None = None
    flow: FlowState | None = None
    last_match: LastMatch | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)
    spoken: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "lang": self.lang,
                "flow": self.flow.to_dict() if self.flow else None,
                "last_match": self.last_match.to_dict() if self.last_match else None,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
                "extra": self.extra,
                "spoken": self.spoken,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str) -> Session:
        data = json.loads(raw)
        flow = FlowState.from_dict(data["flow"]) if data.get("flow") else None
        last = data.get("last_match")
        return cls(
            lang=data.get("lang"),
            flow=flow,
            last_match=LastMatch(
                last["topic"],
                last["decision"],
                float(last["score"]),
                last.get("example"),
                last.get("lang", "fr"),
            )
            if last
            else None,
            created_at=float(data.get("created_at", 0.0)),
            updated_at=float(data.get("updated_at", 0.0)),
            extra={str(k): str(v) for k, v in data.get("extra", {}).items()},
            spoken=data.get("spoken"),
        )
