"""Who is acting right now: set per request by the middleware, read by the audit writers."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any
    ip: str | None
    path: str


current_actor: ContextVar[Actor | None] = ContextVar("yincai_current_actor", default=None)
