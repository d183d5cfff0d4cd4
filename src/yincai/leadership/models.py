"""教导处's tools: monthly 常规检查 of teachers' support work, teachers' growth records, and the work plan
(领导小组/工作小组 with duties; phased tasks with owners and due dates)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.school.models import Staff, Term

CHECK_ITEMS = [
    ("lesson_prep", "备课（分层设计）"),
    ("homework_marking", "作业批改"),
    ("struggling_files", "学困生档案（一人一案）"),
    ("tutoring_records", "辅导记录"),
    ("home_contact", "家校联系"),
]
MAX_ITEM_SCORE = 10


class RoutineCheck(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    teacher = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="routine_checks", verbose_name="教师")
    month = models.DateField("月份(当月1日)")
    checked_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name="检查人")
    note = models.TextField("总体评价", blank=True)
    created_at = models.DateTimeField("检查时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "常规检查"
        ordering = ["-month", "teacher__name"]
        constraints = [models.UniqueConstraint(fields=["teacher", "month"], name="routine_check_one_per_month")]

    def __str__(self) -> str:
        return f"{self.teacher} {self.month:%Y-%m}"

    @property
    def total(self) -> int:
        return sum(i.score for i in self.items.all())


class RoutineCheckItem(models.Model):
    routine_check = models.ForeignKey(RoutineCheck, on_delete=models.CASCADE, related_name="items",
                                      verbose_name="检查")
    item = models.CharField("项目", max_length=30, choices=CHECK_ITEMS)
    score = models.PositiveSmallIntegerField("得分(0–10)")
    evidence = models.CharField("系统记录", max_length=300, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "常规检查项目"
        constraints = [
            models.UniqueConstraint(fields=["routine_check", "item"], name="routine_item_unique"),
            models.CheckConstraint(condition=models.Q(score__lte=MAX_ITEM_SCORE), name="routine_item_score_max"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.score}"


class GrowthRecord(models.Model):
    KIND_CHOICES = [("open_class", "公开课"), ("training", "培训"), ("award", "获奖"), ("paper", "论文"),
                    ("research", "教研活动")]
    teacher = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="growth_records", verbose_name="教师")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    title = models.CharField("名称", max_length=200)
    date = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name="登记人")

    class Meta:
        verbose_name = verbose_name_plural = "教师成长记录"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.teacher} {self.get_kind_display()}：{self.title}"


class WorkGroup(models.Model):
    KIND_CHOICES = [("leading", "领导小组"), ("working", "工作小组")]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "工作组织"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class WorkGroupMember(models.Model):
    group = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="members", verbose_name="小组")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, verbose_name="成员")
    position = models.CharField("职务", max_length=30, blank=True)  # 组长 / 副组长 / 成员
    duty = models.CharField("职责", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "小组成员"
        constraints = [models.UniqueConstraint(fields=["group", "staff"], name="workgroup_member_unique")]

    def __str__(self) -> str:
        return f"{self.group} · {self.staff}"


class WorkTask(models.Model):
    PHASE_CHOICES = [("prepare", "准备阶段"), ("implement", "实施阶段"), ("summarise", "总结阶段")]
    STATUS_CHOICES = [("todo", "未开始"), ("doing", "进行中"), ("done", "已完成")]
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    phase = models.CharField("阶段", max_length=20, choices=PHASE_CHOICES)
    title = models.CharField("任务", max_length=200)
    owner = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="负责人")
    due = models.DateField("完成期限")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="todo")
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作任务"
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status != "done" and self.due < timezone.localdate()
