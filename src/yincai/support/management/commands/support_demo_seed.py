"""`yincai manage support_demo_seed`: fill the demo school's support module (plans for mentees, sessions, rewards)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yincai.school.models import Term
from yincai.support.demo import seed_support


class Command(BaseCommand):
    help = "为演示学校生成帮扶数据：常用奖励、导师学生的帮扶计划、辅导记录与积分"

    def handle(self, *args: Any, **options: Any) -> None:
        term = Term.current()
        if term is None:
            raise CommandError("尚未设置学期，请先运行 yincai demo")
        c = seed_support(term=term)
        self.stdout.write(f"奖励 {c['rewards']} 项，帮扶计划 {c['plans']} 份，辅导记录 {c['sessions']} 条，积分 {c['points']} 条")
