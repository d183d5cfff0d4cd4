"""Diagnosis results (KP mastery, abilities, weak KPs & root causes, item statistics), the recompute job,
tier rules / proposals / decisions, and early-warning rules and alerts.

Results tables are derived: a recompute replaces them for its scope. Tier proposals, tier decisions and
alerts are history: they are appended and never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yincai.assessment.models import Assessment, Item
from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import Grade, School, Staff, Student, Subject, Term

TIER_CHOICES = [
    ("advanced", "培优"),
    ("core", "中等"),
    ("borderline", "边缘"),
    ("struggling", "学困"),
    ("insufficient", "证据不足"),
]
TIER_LABELS = dict(TIER_CHOICES)
#: tiers 「全部按建议确认」 may confirm unchanged: not 边缘 (reviewed one by one), not 数据不足
CONFIRMABLE_AS_PROPOSED = ("advanced", "core", "struggling")
ROUND_CHOICES = [("initial", "学期初分层"), ("midterm", "期中动态调整"), ("final", "期末总结")]
ROUND_ORDER = ("initial", "midterm", "final")


class RecomputeJob(models.Model):
    STATUS_CHOICES = [("queued", "排队中"), ("running", "计算中"), ("done", "已完成"), ("failed", "失败")]

    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, verbose_name="年级")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="queued")
    progress = models.PositiveSmallIntegerField("进度%", default=0)
    message = models.CharField("当前步骤", max_length=200, blank=True)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="发起人"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "诊断计算任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.grade} {self.get_status_display()} {self.progress}%"

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class KPMastery(models.Model):
    """Mastery of one KP by one student: per assessment (CDM) or tracked to date (tracker)."""

    METHOD_CHOICES = [("cdm", "认知诊断(DINA)"), ("tracker", "掌握度追踪")]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="kp_mastery", verbose_name="学生")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, verbose_name="知识点")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, verbose_name="测评")
    method = models.CharField("方法", max_length=10, choices=METHOD_CHOICES)
    prob = models.FloatField("掌握概率")
    lower = models.FloatField("区间下限")
    upper = models.FloatField("区间上限")
    score_rate = models.FloatField("知识点得分率", null=True, blank=True)
    n_items = models.PositiveSmallIntegerField("题数", default=0)
    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "知识点掌握"
        indexes = [models.Index(fields=["student", "term", "method"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.knowledge_point_id}: {self.prob:.2f}"


class AbilityEstimate(models.Model):
    """Overall ability (Rasch EAP, dimension "overall") or an ability dimension's score rate (计算/理解/…)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="ability_estimates", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    dimension = models.CharField("维度", max_length=20)
    label = models.CharField("名称", max_length=20)
    value = models.FloatField("估计值")
    lower = models.FloatField("区间下限", null=True, blank=True)
    upper = models.FloatField("区间上限", null=True, blank=True)
    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "能力估计"
        indexes = [models.Index(fields=["student", "term", "subject"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.label}: {self.value:.2f}"


class WeakKP(models.Model):
    """A weak KP of a student with its root cause: the deepest weak prerequisite (itself when none)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="weak_kps", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="+", verbose_name="薄弱知识点")
    prob = models.FloatField("掌握概率")
    root = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="+", verbose_name="根源知识点")
    path = models.CharField("追溯路径", max_length=300, blank=True)
    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "薄弱知识点与根源"

    def __str__(self) -> str:
        return f"{self.student_id}: {self.knowledge_point_id} ← {self.root_id}"


class PortraitSnapshot(models.Model):
    """Ready-to-render portrait data, written by the recompute in the transaction that writes the results.

    kind "student": one student's diagnosis of one subject (object_id = student); kind "grade": every
    student's heat-map cells and weak KPs of one grade and subject (object_id = grade), which the class and
    grade portraits filter to their current students. Pages read one row instead of thousands; a page
    without a snapshot (a term not recomputed since) builds the same data from the result tables.
    """

    KIND_CHOICES = [("student", "学生"), ("grade", "年级")]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+", verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", verbose_name="学科")
    kind = models.CharField("类别", max_length=10, choices=KIND_CHOICES)
    object_id = models.PositiveIntegerField("对象")
    data = models.JSONField("页面数据")
    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "画像快照"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "term", "subject"],
                                               name="portrait_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.term_id}/{self.subject_id}"


class ItemStatistic(models.Model):
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="statistic", verbose_name="题目")
    n_responses = models.PositiveIntegerField("作答人数")
    mean_score = models.FloatField("平均得分", null=True)
    difficulty = models.FloatField("得分率", null=True)
    point_biserial = models.FloatField("点二列相关", null=True)
    corrected_point_biserial = models.FloatField("校正题总相关", null=True)
    upper_lower = models.FloatField("区分度D(27%)", null=True)
    upper_mean = models.FloatField("高分组得分率", null=True)
    lower_mean = models.FloatField("低分组得分率", null=True)
    distribution = models.JSONField("得分分布", default=list)
    flags = models.JSONField("提示", default=list)
    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "试题分析"

    def __str__(self) -> str:
        return f"{self.item}: P={self.difficulty}"


class TierRule(models.Model):
    """The school's tiering rule for a grade (empty = all grades) and subject; the latest row applies."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, null=True, blank=True, verbose_name="年级(空=全部)")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    struggling_share = models.FloatField("学困比例", default=0.15)
    advanced_share = models.FloatField("培优比例", default=0.15)
    level = models.FloatField("区间置信水平", default=0.68)
    talent_share = models.FloatField("特长生(单项前)比例", default=0.1)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="设置人"
    )
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "分层规则"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(struggling_share__gte=0, advanced_share__gte=0, struggling_share__lt=0.5,
                                   advanced_share__lt=0.5, level__gt=0, level__lt=1),
                name="tierrule_valid_shares",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade or '全部年级'} {self.subject}: 学困{self.struggling_share:.0%} 培优{self.advanced_share:.0%}"


class TierProposal(models.Model):
    """A system proposal with its evidence (estimate, interval, percentile, cuts) — appended by each recompute."""

    job = models.ForeignKey(RecomputeJob, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="计算任务")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="tier_proposals", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    round = models.CharField("轮次", max_length=10, choices=ROUND_CHOICES)
    tier = models.CharField("建议层级", max_length=12, choices=TIER_CHOICES)
    point_tier = models.CharField("按点估计", max_length=12, choices=TIER_CHOICES)
    talent = models.JSONField("特长维度", default=list)
    estimate = models.FloatField("能力估计", null=True)
    lower = models.FloatField("区间下限", null=True)
    upper = models.FloatField("区间上限", null=True)
    percentile = models.FloatField("年级百分位", null=True)
    low_cut = models.FloatField("学困分界")
    high_cut = models.FloatField("培优分界")
    basis = models.CharField("依据测评", max_length=300, blank=True)
    rule = models.ForeignKey(TierRule, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="规则")
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "分层建议"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["student", "term", "subject", "round"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.get_round_display()}: {self.get_tier_display()}"


class TierDecision(models.Model):
    """A teacher's confirmation or override of a proposal, with the reason (history: append-only)."""

    proposal = models.ForeignKey(TierProposal, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="建议")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="tier_decisions", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    round = models.CharField("轮次", max_length=10, choices=ROUND_CHOICES)
    tier = models.CharField("确定层级", max_length=12, choices=TIER_CHOICES[:4])
    talent = models.BooleanField("特长生", default=False)
    is_override = models.BooleanField("改动了建议", default=False)
    reason = models.CharField("理由", max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="确认人")
    decided_at = models.DateTimeField("确认时间", default=timezone.now)
    # 1, 2, 3 … per student/term/subject/round: the form posts the version it was based on (no lost updates)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "分层确认记录"
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["student", "term", "subject", "round"])]  # a class's tiers, not the term's

    def __str__(self) -> str:
        return f"{self.student_id} {self.get_round_display()}: {self.get_tier_display()}"


class AlertRule(models.Model):
    """学业滑坡预警 rule: thresholds per indicator; alert when ≥ k indicators hold for ≥ n consecutive tests."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    score_drop = models.FloatField("成绩下滑阈值(标准分)", default=-0.8)
    mastery_drop = models.FloatField("知识点掌握下滑阈值", default=-0.2)
    absences = models.PositiveSmallIntegerField("缺考阈值(次)", default=1)
    observation = models.FloatField("课堂观察均分阈值(1–5，专注/作业习惯)", default=2.0)
    k = models.PositiveSmallIntegerField("至少满足指标数k", default=2)
    n = models.PositiveSmallIntegerField("连续测评次数n", default=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="设置人"
    )
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "预警规则"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(k__gte=1, k__lte=5, n__gte=1), name="alertrule_valid_kn"),
        ]

    def __str__(self) -> str:
        return f"≥{self.k}项指标连续{self.n}次"


class Alert(models.Model):
    STATUS_CHOICES = [("open", "待处理"), ("acknowledged", "已知悉"), ("following", "跟进中"), ("resolved", "已解除")]

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, verbose_name="规则")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="alerts", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, verbose_name="学科")
    episode_start = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+", verbose_name="起始测评")
    last_assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+", verbose_name="最近测评")
    evidence = models.JSONField("证据", default=list)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default="open")
    created_at = models.DateTimeField("预警时间", default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="知悉人"
    )
    acknowledged_at = models.DateTimeField("知悉时间", null=True, blank=True)
    assignee = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="跟进人")
    followup = models.TextField("跟进措施", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="解除人"
    )
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)
    resolution = models.CharField("解除说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学业预警"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "subject", "episode_start"], name="alert_one_per_episode"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id} {self.get_status_display()}"
