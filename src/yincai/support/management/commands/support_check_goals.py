"""`yincai manage support_check_goals`: after new scores arrive, mark reached plan goals and award their points.

Idempotent: a goal is marked (and rewarded) once. Run it after an import or nightly.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yincai.school.models import Term
from yincai.support.models import SupportPlan
from yincai.support.services import goals_check


class Command(BaseCommand):
    help = "核对所有进行中帮扶计划的目标：按最新成绩标记达成并自动奖励积分"

    def handle(self, *args: Any, **options: Any) -> None:
        term = Term.current()
        plans = SupportPlan.objects.filter(term=term, status__in=["active", "adjusted"]).select_related("student", "term")
        reached = 0
        for plan in plans:
            reached += len(goals_check(plan=plan, author=None))
        self.stdout.write(f"已核对 {plans.count()} 份计划，新达成目标 {reached} 个")
