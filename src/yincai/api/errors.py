"""The error bodies every /api/v1 operation documents (401 no or bad credentials, 403 role, 404 not visible,
422 malformed input; 400 refused by a service, with its Chinese reasons)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class Error(Schema):
    detail: str
    problems: list[str] = []


class InvalidInput(Schema):
    detail: list[dict[str, Any]]


def responses(ok: Any, *, refused: bool = False) -> dict[int, Any]:
    """`response=` of an operation: `ok` for 200 and the documented 4xx bodies."""
    out: dict[int, Any] = {200: ok, 401: Error, 403: Error, 404: Error, 422: InvalidInput}
    if refused:
        out[400] = Error
    return out
