"""Evaluation: A/B studies of support strategies (策略对比实验) with their participants and arms."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.assessment.models import Assessment
from yincai.school.models import SchoolClass, Staff, Student, Subject, Term


class Study(models.Model):
    DESIGN_CHOICES = [("randomised", "随机分组（按班级×分层分层随机）"), ("existing", "已有班级/小组对比（前测校正）")]

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="studies", verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    name = models.CharField("实验名称", max_length=100)
    treatment = models.CharField("实验策略", max_length=100)
    control = models.CharField("对照策略", max_length=100)
    question = models.TextField("研究问题", blank=True)
    design = models.CharField("设计", max_length=20, choices=DESIGN_CHOICES)
    classes = models.ManyToManyField(SchoolClass, related_name="studies", verbose_name="参与班级")
    pre_assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name="前测")
    post_assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name="后测")
    seed = models.PositiveIntegerField("随机种子", default=0)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="发起人")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "策略对比实验"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class StudyParticipant(models.Model):
    ARM_CHOICES = [(1, "实验组"), (0, "对照组")]

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants", verbose_name="实验")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name="学生")
    arm = models.PositiveSmallIntegerField("组别", choices=ARM_CHOICES)
    stratum = models.CharField("分层", max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "实验参与学生"
        constraints = [models.UniqueConstraint(fields=["study", "student"], name="study_participant_unique")]

    def __str__(self) -> str:
        return f"{self.study} · {self.student} · {self.get_arm_display()}"


class TermReport(models.Model):
    """A generated term summary (学期工作总结), kept with its term so it stays downloadable after rollover."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="reports", verbose_name="学期")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.SET_NULL, null=True, blank=True,
                                     verbose_name="班级(空=全校)")
    STATUS_CHOICES = [("queued", "排队中"), ("running", "生成中"), ("done", "已生成"), ("failed", "生成失败")]
    title = models.CharField("标题", max_length=200)
    docx = models.BinaryField("DOCX", default=b"")
    pdf = models.BinaryField("PDF", default=b"")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="生成人")
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    # rendered by the task worker (charts and PDF take seconds): the page shows the state and polls
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="done")
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学期工作总结"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")
