"""每日五分钟口算: a DrillSession per sitting and one DrillAnswer per item shown (server-timed, server-checked);
PracticeAward makes each streak/personal-best reward unique (once per student, kind and day)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.school.models import Student

DRILL_SECONDS = 300  # five minutes
AWARD_KINDS = [("practice_streak", "口算连续打卡"), ("personal_best", "口算个人最好成绩")]


class DrillSession(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="drills", verbose_name="学生")
    date = models.DateField("日期")
    generator = models.CharField("题型", max_length=40)
    difficulty = models.PositiveSmallIntegerField("难度", default=1)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    items = models.PositiveIntegerField("作答题数", default=0)
    correct = models.PositiveIntegerField("答对题数", default=0)
    seconds = models.PositiveIntegerField("用时（秒）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "口算练习"
        ordering = ["-date", "-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date} {self.correct}/{self.items}"

    @property
    def finished(self) -> bool:
        return self.ended_at is not None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.items if self.items else None

    @property
    def speed(self) -> float | None:
        """Correct items per minute of the time actually spent."""
        return round(self.correct * 60 / self.seconds, 2) if self.seconds else None


class DrillAnswer(models.Model):
    session = models.ForeignKey(DrillSession, on_delete=models.CASCADE, related_name="answers", verbose_name="口算")
    index = models.PositiveIntegerField("序号")
    stem = models.CharField("题目", max_length=200)
    answer = models.CharField("正确答案", max_length=40)
    params = models.JSONField("参数", default=dict)
    response = models.CharField("学生答案", max_length=40, blank=True)
    correct = models.BooleanField("正确", null=True)
    shown_at = models.DateTimeField("出题时间", default=timezone.now)
    answered_at = models.DateTimeField("作答时间", null=True, blank=True)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "口算作答"
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="drill_answer_unique_index")]

    def __str__(self) -> str:
        return f"{self.stem} {self.response}"


class PracticeAward(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="practice_awards",
                                verbose_name="学生")
    kind = models.CharField("类型", max_length=20, choices=AWARD_KINDS)
    date = models.DateField("日期")
    value = models.FloatField("成绩/天数")
    points = models.IntegerField("积分")

    class Meta:
        verbose_name = verbose_name_plural = "练习奖励"
        constraints = [models.UniqueConstraint(fields=["student", "kind", "date"], name="practice_award_once")]

    def __str__(self) -> str:
        return f"{self.student.name} {self.get_kind_display()} {self.date} +{self.points}"
