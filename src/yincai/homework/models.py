"""分层作业 (A/B/C layers within the 双减 budget), students' answers and marks, and the 错题本.

A Homework is set for a class on a day with items in three layers (基础套餐/营养加餐/智慧甜品); each student
gets an Assignment with a recommended layer (from the diagnosis) and the layer they chose, plus personal
extra items (plan goals, wrong-book variants). Every marked answer is a HomeworkAnswer; wrong ones (and
wrong assessment items) become WrongBookEntry rows whose variants come back on a spaced schedule.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yincai.assessment.models import ItemScore
from yincai.curriculum.models import KnowledgePoint
from yincai.itembank.models import BankItem
from yincai.school.models import School, SchoolClass, Staff, Student, Subject

HOMEWORK_LAYERS = [("basic", "基础套餐"), ("extended", "营养加餐"), ("challenge", "智慧甜品")]
HOMEWORK_KINDS = [("written", "书面作业"), ("oral", "口头作业"), ("practical", "实践作业"), ("reading", "阅读")]
MARKS = [("right", "对"), ("half", "半对"), ("wrong", "错")]
ERROR_REASONS = [("calculation", "计算错误"), ("concept", "概念不清"), ("reading", "审题不清"),
                 ("method", "方法不会"), ("careless", "书写粗心"), ("other", "其他")]


class HomeworkLimit(models.Model):
    """双减: the school's daily limit of written homework per grade (defaults from the 2021 意见:
    grades 1–2 none to take home, grades 3–6 at most 60 minutes a day across all subjects)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    grade_level = models.PositiveSmallIntegerField("年级")
    written_minutes = models.PositiveSmallIntegerField("书面作业每日上限(分钟)")

    class Meta:
        verbose_name = verbose_name_plural = "作业时长上限"
        constraints = [models.UniqueConstraint(fields=["school", "grade_level"], name="homework_limit_unique")]

    def __str__(self) -> str:
        return f"{self.grade_level}年级 ≤ {self.written_minutes} 分钟"


class Homework(models.Model):
    STATUS_CHOICES = [("draft", "草稿"), ("published", "已布置"), ("closed", "已截止")]

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="homeworks",
                                     verbose_name="班级")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    date = models.DateField("布置日期")
    title = models.CharField("标题", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=HOMEWORK_KINDS, default="written")
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default="draft")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="布置教师")
    approved_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name="超时审批(年级组长)")
    approval_note = models.CharField("审批说明", max_length=200, blank=True)
    approval_requested_at = models.DateTimeField("申请超时审批时间", null=True, blank=True)
    approval_request = models.CharField("超时申请理由", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    published_at = models.DateTimeField("布置时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "分层作业"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["school_class", "date"])]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject} {self.date}：{self.title}"


class HomeworkItem(models.Model):
    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="items", verbose_name="作业")
    layer = models.CharField("层级", max_length=10, choices=HOMEWORK_LAYERS)
    bank_item = models.ForeignKey(BankItem, on_delete=models.PROTECT, verbose_name="题目")
    order = models.PositiveSmallIntegerField("顺序")
    online = models.BooleanField("在线作答", default=False)  # auto-markable items answered on the phone

    class Meta:
        verbose_name = verbose_name_plural = "作业题目"
        ordering = ["homework", "layer", "order"]

    def __str__(self) -> str:
        return f"{self.homework_id} {self.get_layer_display()} #{self.order}"


class Assignment(models.Model):
    """One student's copy of a homework: recommended vs chosen layer, personal extras, reported time."""

    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="assignments", verbose_name="作业")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="assignments", verbose_name="学生")
    recommended_layer = models.CharField("推荐层级", max_length=10, choices=HOMEWORK_LAYERS)
    recommendation_reason = models.CharField("推荐依据", max_length=200, blank=True)
    chosen_layer = models.CharField("选择层级", max_length=10, choices=HOMEWORK_LAYERS)
    extra_items = models.ManyToManyField(BankItem, blank=True, related_name="+", verbose_name="个人加题")
    estimated_minutes = models.DecimalField("预计用时", max_digits=5, decimal_places=1, default=0)
    reported_minutes = models.PositiveSmallIntegerField("实际用时(学生/家长填报)", null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="填报人")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学生作业"
        constraints = [models.UniqueConstraint(fields=["homework", "student"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.homework} · {self.student}"


class HomeworkAnswer(models.Model):
    """A student's answer to one item (typed online or marked on paper by the teacher)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="answers", verbose_name="学生作业")
    bank_item = models.ForeignKey(BankItem, on_delete=models.PROTECT, verbose_name="题目")
    response = models.CharField("作答", max_length=200, blank=True)
    mark = models.CharField("批改", max_length=6, choices=MARKS)
    reason = models.CharField("错因", max_length=12, choices=ERROR_REASONS, blank=True)
    marked_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="批改人")
    answered_at = models.DateTimeField("作答时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "作业作答"
        constraints = [models.UniqueConstraint(fields=["assignment", "bank_item"], name="homework_answer_unique")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.bank_item_id}: {self.get_mark_display()}"


class WrongBookEntry(models.Model):
    """错题本: a wrong item (homework or assessment) with its KP and reason; variants come back on a spaced
    schedule (1, 3, 7 days…) until answered right three times in a row, then 已掌握."""

    STATUS_CHOICES = [("open", "待巩固"), ("mastered", "已掌握")]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="wrong_book", verbose_name="学生")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.SET_NULL, null=True, blank=True,
                                        verbose_name="知识点")
    bank_item = models.ForeignKey(BankItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name="原题(题库)")
    item_score = models.ForeignKey(ItemScore, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="原题(测评)")
    source_text = models.CharField("原题", max_length=300, blank=True)
    reason = models.CharField("错因", max_length=12, choices=ERROR_REASONS, blank=True)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="open")
    streak = models.PositiveSmallIntegerField("连续答对次数", default=0)
    next_due = models.DateField("下次复习")
    pending_variant = models.ForeignKey(BankItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                        verbose_name="待做变式题")
    created_at = models.DateTimeField("收录时间", default=timezone.now)
    mastered_at = models.DateTimeField("掌握时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "错题本"
        ordering = ["next_due", "id"]
        indexes = [models.Index(fields=["student", "status", "next_due"])]

    def __str__(self) -> str:
        return f"{self.student} {self.source_text[:30]} ({self.get_status_display()})"


class WrongBookReview(models.Model):
    """One attempt at a variant of a wrong-book entry."""

    entry = models.ForeignKey(WrongBookEntry, on_delete=models.CASCADE, related_name="reviews", verbose_name="错题")
    variant = models.ForeignKey(BankItem, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="变式题")
    response = models.CharField("作答", max_length=200, blank=True)
    correct = models.BooleanField("答对")
    reviewed_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "错题复习"
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {'对' if self.correct else '错'}"


class HandbookJob(models.Model):
    """A class's 个性化学习手册, generated in the background with its progress (one PDF per student)."""

    STATUS_CHOICES = [("queued", "排队中"), ("running", "生成中"), ("done", "已完成"), ("failed", "失败")]
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, verbose_name="班级")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name="学科")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="queued")
    total = models.PositiveSmallIntegerField("学生数", default=0)
    done = models.PositiveSmallIntegerField("已完成", default=0)
    pdf = models.BinaryField("全班PDF", blank=True, default=b"")
    zip = models.BinaryField("每人一个PDF(ZIP)", blank=True, default=b"")
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="发起人")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学习手册生成任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject} {self.get_status_display()}"

    @property
    def progress(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")
