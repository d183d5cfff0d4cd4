"""Roster import (classes, students with 学号, guardians, teachers) — filled in below."""

from __future__ import annotations

from typing import Any

from yincai.imports.common import Problem


class RosterPlan:
    def __init__(self) -> None:
        self.problems: list[Problem] = [Problem("花名册导入尚未完成")]
        self.warnings: list[Problem] = []

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        return {}


def plan_roster(*, user: Any, term: Any, content: bytes, file_name: str) -> RosterPlan:
    return RosterPlan()


def apply_roster(plan: RosterPlan, batch: Any) -> list[Any]:
    return []
