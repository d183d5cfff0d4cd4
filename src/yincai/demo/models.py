"""The generating truth behind the demo school, kept so that diagnosis can be checked against it."""

from __future__ import annotations

from django.db import models

from yincai.assessment.models import Assessment, Item
from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import Student, Term


class TrueStudentState(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    ability = models.FloatField("真实能力θ(学期初)")
    growth = models.FloatField("真实每次测评增长")

    class Meta:
        verbose_name = verbose_name_plural = "模拟真值·学生"
        constraints = [models.UniqueConstraint(fields=["student", "term"], name="truth_student_term")]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.term_id}: θ={self.ability:.2f}"


class TrueMastery(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, verbose_name="学生")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, verbose_name="测评")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, verbose_name="知识点")
    mastered = models.BooleanField("真实掌握")

    class Meta:
        verbose_name = verbose_name_plural = "模拟真值·知识点掌握"
        constraints = [
            models.UniqueConstraint(fields=["student", "assessment", "knowledge_point"], name="truth_mastery")
        ]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.knowledge_point_id}: {'掌握' if self.mastered else '未掌握'}"


class TrueItemParams(models.Model):
    item = models.OneToOneField(Item, on_delete=models.CASCADE, verbose_name="题目")
    slip = models.FloatField("真实失误率")
    guess = models.FloatField("真实猜对率")

    class Meta:
        verbose_name = verbose_name_plural = "模拟真值·题目参数"

    def __str__(self) -> str:
        return f"{self.item_id}: s={self.slip:.2f} g={self.guess:.2f}"
