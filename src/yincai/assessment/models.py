"""Assessments, items (with Q-matrix tags) and item-level scores.

An absent student is not a zero: ItemScore.state keeps 缺考/免考/作弊/未作答 distinct from a scored 0.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.school.models import Grade, SchoolClass, Staff, Student, Subject, Term


class Assessment(models.Model):
    KIND_CHOICES = [
        ("final", "期末"),
        ("midterm", "期中"),
        ("diagnostic", "摸底测"),
        ("unit", "单元测"),
        ("quiz", "随堂测"),
        ("oral", "口算"),
        ("practice", "练习"),
    ]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="assessments", verbose_name="学期")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="assessments", verbose_name="年级")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, verbose_name="班级(空=全年级)"
    )
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    name = models.CharField("名称", max_length=100)
    date = models.DateField("日期")
    created_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="创建人")
    version = models.PositiveIntegerField("试卷结构版本", default=1)  # +1 on every blueprint save

    class Meta:
        verbose_name = verbose_name_plural = "测评"
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.name}({self.date:%Y-%m-%d})"

    @property
    def max_total(self) -> Decimal:
        return sum((i.max_score for i in self.items.all()), Decimal(0))


class Item(models.Model):
    LEVEL_CHOICES = [("basic", "基础"), ("medium", "提高"), ("challenge", "拓展")]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items", verbose_name="测评")
    label = models.CharField("题号", max_length=20)
    section = models.CharField("大题", max_length=50, blank=True)
    order = models.PositiveIntegerField("顺序")
    max_score = models.DecimalField("满分", max_digits=5, decimal_places=1)
    item_type = models.CharField("题型", max_length=20, blank=True)
    ability = models.ForeignKey(Ability, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="能力维度")
    level = models.CharField("难度层级", max_length=20, choices=LEVEL_CHOICES, blank=True)
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="items", verbose_name="知识点")

    class Meta:
        verbose_name = verbose_name_plural = "题目"
        ordering = ["assessment", "order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "label"], name="item_unique_label"),
            models.CheckConstraint(condition=models.Q(max_score__gt=0), name="item_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.name} 第{self.label}题"


class ItemScore(models.Model):
    STATE_CHOICES = [
        ("scored", "已评分"),
        ("absent", "缺考"),
        ("exempt", "免考"),
        ("cheating", "作弊"),
        ("blank", "未作答"),
    ]
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="scores", verbose_name="题目")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="item_scores", verbose_name="学生")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=STATE_CHOICES, default="scored")

    class Meta:
        verbose_name = verbose_name_plural = "小题得分"
        constraints = [
            models.UniqueConstraint(fields=["item", "student"], name="itemscore_unique"),
            models.CheckConstraint(
                condition=(models.Q(state="scored", score__isnull=False, score__gte=0))
                | (~models.Q(state="scored") & models.Q(score__isnull=True)),
                name="itemscore_state_matches_score",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "item"]),
            # covers the totals aggregates (class pages, portraits, trajectories) without reading the table
            models.Index(fields=["item", "student", "state", "score"], name="itemscore_totals_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.item.label}: {self.score if self.state == 'scored' else self.get_state_display()}"
