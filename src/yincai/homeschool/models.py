"""家校协同: guardian consent and data rights, the home-school contact log, 家长学校 and questionnaires.

Consent rows are append-only: giving or withdrawing adds a row, the latest row per (student, purpose) is
the state, and the history stays for the audit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yincai.school.models import Grade, Guardian, School, SchoolClass, Staff, Student, Term

POLICY_VERSION = "2026.1"
CONSENT_PURPOSES: list[tuple[str, str]] = [
    ("family", "家庭情况记录"),
    ("psych", "心理辅导记录"),
    ("honor", "荣誉墙照片与姓名"),
    ("messages", "家校消息"),
]
PURPOSE_LABELS = dict(CONSENT_PURPOSES)


class ConsentRecord(models.Model):
    """One act of a guardian: consent given or withdrawn for one purpose (append-only)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="consents", verbose_name="学生")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, verbose_name="监护人")
    purpose = models.CharField("用途", max_length=20, choices=CONSENT_PURPOSES)
    granted = models.BooleanField("同意")
    policy_version = models.CharField("政策版本", max_length=20, default=POLICY_VERSION)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "监护人授权记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.get_purpose_display()} {'同意' if self.granted else '撤回'}"


class DataRequest(models.Model):
    """A guardian's request to delete the child's sensitive data, decided by the school admin."""

    STATUS_CHOICES = [("pending", "待处理"), ("approved", "已批准并删除"), ("refused", "已拒绝")]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="data_requests", verbose_name="学生")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, verbose_name="监护人")
    reason = models.TextField("申请说明", blank=True)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="pending")
    decision_reason = models.TextField("处理意见", blank=True)
    decided_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="处理人")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    summary = models.TextField("删除情况", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据删除申请"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} 删除申请（{self.get_status_display()}）"


class HomeContact(models.Model):
    """家校联系: one contact with a student's family."""

    KIND_CHOICES = [("visit", "家访"), ("phone", "电话"), ("meeting", "面谈"), ("wechat", "微信")]
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="home_contacts", verbose_name="学生")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("方式", max_length=10, choices=KIND_CHOICES)
    date = models.DateField("日期", default=timezone.localdate)
    content = models.TextField("沟通内容")
    actions = models.TextField("商定措施", blank=True)
    follow_up = models.DateField("跟进日期", null=True, blank=True)
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "家校联系记录"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date} {self.get_kind_display()}"


class Workshop(models.Model):
    """家长学校: a lecture, workshop or 家长座谈会 (the latter per class)."""

    KIND_CHOICES = [("lecture", "专题讲座"), ("workshop", "工作坊"), ("forum", "家长座谈会")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES, default="lecture")
    topic = models.CharField("主题", max_length=100)
    starts_at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=100)
    speaker = models.CharField("主讲人", max_length=50, blank=True)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, null=True, blank=True, verbose_name="班级",
                                     help_text="面向一个班的家长（家长座谈会）；留空为全校")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="创建人")

    class Meta:
        verbose_name = verbose_name_plural = "家长学校活动"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.topic}（{self.starts_at:%Y-%m-%d}）"


class WorkshopMaterial(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="materials", verbose_name="活动")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100, default="application/octet-stream")
    content = models.BinaryField("内容")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "家长学校资料"

    def __str__(self) -> str:
        return self.name


class WorkshopSignup(models.Model):
    METHOD_CHOICES = [("", "未签到"), ("qr", "扫码签到"), ("teacher", "教师登记")]
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="signups", verbose_name="活动")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="workshop_signups", verbose_name="家长")
    signed_up_at = models.DateTimeField("报名时间", default=timezone.now)
    attended = models.BooleanField("已出席", default=False)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    method = models.CharField("签到方式", max_length=10, choices=METHOD_CHOICES, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "家长学校报名"
        constraints = [models.UniqueConstraint(fields=["workshop", "guardian"], name="workshop_signup_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} @ {self.workshop}"


class Questionnaire(models.Model):
    STATUS_CHOICES = [("draft", "草稿"), ("open", "收集中"), ("closed", "已结束")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, verbose_name="学校")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, verbose_name="学期")
    title = models.CharField("标题", max_length=100)
    intro = models.TextField("说明", blank=True)
    for_students = models.BooleanField("面向学生", default=False)
    for_parents = models.BooleanField("面向家长", default=False)
    for_teachers = models.BooleanField("面向教师", default=False)
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, null=True, blank=True, verbose_name="年级")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, null=True, blank=True, verbose_name="班级")
    anonymous = models.BooleanField("匿名", default=True)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="draft")
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "问卷"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_label(self) -> str:
        parts = [w for f, w in ((self.for_students, "学生"), (self.for_parents, "家长"), (self.for_teachers, "教师")) if f]
        scope = str(self.school_class or self.grade or "全校")
        return f"{scope} · {'、'.join(parts) or '未选择对象'}"


class Question(models.Model):
    KIND_CHOICES = [("single", "单选"), ("multiple", "多选"), ("likert", "量表(1-5)"), ("text", "开放题")]
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("题型", max_length=10, choices=KIND_CHOICES)
    text = models.CharField("题目", max_length=200)
    options = models.JSONField("选项", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问卷题目"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyReceipt(models.Model):
    """That a user answered (one answer per person) — kept apart from the answers of anonymous surveys."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        verbose_name = verbose_name_plural = "问卷提交回执"
        constraints = [models.UniqueConstraint(fields=["questionnaire", "user"], name="survey_receipt_unique")]

    def __str__(self) -> str:
        return f"{self.questionnaire} 回执"


class SurveyResponse(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   help_text="匿名问卷不记录")
    student = models.ForeignKey(Student, on_delete=models.SET_NULL, null=True, blank=True,
                                help_text="实名问卷：学生本人或家长所填写的孩子")
    answers = models.JSONField("答案", default=dict)  # question id (str) → list[int] | int | str

    class Meta:
        verbose_name = verbose_name_plural = "问卷答卷"

    def __str__(self) -> str:
        return f"{self.questionnaire} 答卷"
