"""知识点 tree per subject with prerequisite edges, and ability dimensions (计算/理解/应用/分析)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from yincai.school.models import School, Subject


class KnowledgePoint(models.Model):
    """A node of the KP tree. Unit nodes (is_unit) group leaf KPs; prerequisites link leaf KPs."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="knowledge_points", verbose_name="学科")
    code = models.CharField("编码", max_length=30)
    name = models.CharField("名称", max_length=100)
    grade_level = models.PositiveSmallIntegerField("年级")
    semester = models.CharField("册", max_length=2, choices=[("上", "上册"), ("下", "下册")])
    domain = models.CharField("领域", max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="所属单元"
    )
    is_unit = models.BooleanField("单元节点", default=False)
    order = models.PositiveIntegerField("顺序", default=0)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents", verbose_name="先修知识点"
    )

    class Meta:
        verbose_name = verbose_name_plural = "知识点"
        ordering = ["subject", "order"]
        constraints = [models.UniqueConstraint(fields=["subject", "code"], name="kp_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Ability(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="abilities", verbose_name="学科")
    code = models.SlugField("代码", max_length=20)
    name = models.CharField("能力维度", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "能力维度"
        constraints = [models.UniqueConstraint(fields=["subject", "code"], name="ability_unique_code")]

    def __str__(self) -> str:
        return self.name


class KnowledgePointAlias(models.Model):
    """A school's own name for KPs ("角的度量" → its two KPs), remembered from a resolved blueprint import.

    `label` is the normalised text (yincai.curriculum.matching.normalise); no KP at all means the school
    chose to leave items with this label untagged."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="kp_aliases", verbose_name="学校")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="kp_aliases", verbose_name="学科")
    label = models.CharField("别名(规范化)", max_length=100)
    text = models.CharField("别名(原文)", max_length=100)
    knowledge_points = models.ManyToManyField(KnowledgePoint, blank=True, related_name="aliases",
                                              verbose_name="知识点(空=不标注)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "知识点别名"
        ordering = ["school", "subject", "label"]
        constraints = [models.UniqueConstraint(fields=["school", "subject", "label"], name="kp_alias_unique_label")]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        from yincai.curriculum.matching import normalise

        self.label = normalise(self.label or self.text)[:100]  # edited in the admin, it still matches
        super().save(*args, **kwargs)
