"""每日五分钟口算: a DrillSession per sitting and one DrillAnswer per item shown (server-timed, server-checked);
PracticeAward makes each streak/personal-best reward unique (once per student, kind and day)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yincai.curriculum.models import KnowledgePoint
from yincai.itembank.models import BankItem
from yincai.school.models import SchoolClass, Staff, Student

DRILL_SECONDS = 300  # five minutes
SPEED_MIN_SECONDS = 60
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
        """Correct items per minute of the time spent (at least one minute: a drill ended after a few seconds
        does not make a record of 180 items a minute)."""
        return round(self.correct * 60 / max(self.seconds, SPEED_MIN_SECONDS), 2) if self.items else None


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


class PracticeScope(models.Model):
    """What a class practises in 今日练习 (set by its teacher): KPs and minutes per day (双减 budget)."""

    school_class = models.OneToOneField(SchoolClass, on_delete=models.CASCADE, related_name="practice_scope",
                                        verbose_name="班级")
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="practice_scopes", verbose_name="知识点")
    minutes_per_day = models.PositiveSmallIntegerField("每天练习分钟", default=10)
    updated_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="设置人")
    updated_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "练习范围"

    def __str__(self) -> str:
        return f"{self.school_class} 每天 {self.minutes_per_day} 分钟"


class PracticeSession(models.Model):
    """One 今日练习 sitting: the item pool and the selector state (engine.practice) after every answer."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="practice_sessions",
                                verbose_name="学生")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, null=True, verbose_name="班级")
    date = models.DateField("日期")
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    kps = models.JSONField("知识点顺序", default=list)  # KP ids; index = engine KP index
    pool = models.JSONField("题目池", default=list)  # [{"kp": index, "gen": key, "level": n} | {"kp", "bank": id}]
    state = models.JSONField("掌握状态", default=dict)
    items = models.PositiveIntegerField("作答题数", default=0)
    correct = models.PositiveIntegerField("答对题数", default=0)
    seconds = models.PositiveIntegerField("用时（秒）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "今日练习"
        ordering = ["-date", "-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date} {self.correct}/{self.items}"


class PracticeAttempt(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="attempts",
                                verbose_name="练习")
    index = models.PositiveIntegerField("序号")
    pool_index = models.PositiveIntegerField("题目池序号")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, verbose_name="知识点")
    reason = models.CharField("选题原因", max_length=20)
    predicted = models.FloatField("预测正确率")
    stem = models.TextField("题目")
    answer = models.CharField("正确答案", max_length=200)
    params = models.JSONField("参数", default=dict)
    generator = models.CharField("生成器", max_length=50, blank=True)
    bank_item = models.ForeignKey(BankItem, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="题库题")
    response = models.CharField("学生答案", max_length=200, blank=True)
    correct = models.BooleanField("正确", null=True)
    shown_at = models.DateTimeField("出题时间", default=timezone.now)
    answered_at = models.DateTimeField("作答时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "练习作答"
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="practice_attempt_unique_index")]

    def __str__(self) -> str:
        return f"{self.stem} {self.response}"


RESOURCE_KINDS = [("video", "微课视频"), ("link", "链接"), ("document", "文档")]
RESOURCE_LAYERS = [("basic", "基础（辅差）"), ("extension", "拓展（培优）")]


class Resource(models.Model):
    """A 微课 or 拓展资源: a link or an uploaded file (served only through a permission-checked view)."""

    school = models.ForeignKey("school.School", on_delete=models.CASCADE, related_name="practice_resources",
                               verbose_name="学校")
    title = models.CharField("标题", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=RESOURCE_KINDS)
    url = models.URLField("链接", blank=True)
    file = models.FileField("文件", upload_to="practice/resources/%Y/", blank=True)
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="practice_resources", verbose_name="知识点")
    layer = models.CharField("层级", max_length=10, choices=RESOURCE_LAYERS, default="basic")
    author = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="上传教师")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "微课与拓展资源"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ResourceUse(models.Model):
    STATUS_CHOICES = [("viewed", "已看"), ("done", "已完成")]
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="uses", verbose_name="资源")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="resource_uses", verbose_name="学生")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="viewed")
    first_at = models.DateTimeField("首次打开", default=timezone.now)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "资源使用"
        constraints = [models.UniqueConstraint(fields=["resource", "student"], name="resource_use_once")]

    def __str__(self) -> str:
        return f"{self.student.name} {self.resource.title} {self.get_status_display()}"
