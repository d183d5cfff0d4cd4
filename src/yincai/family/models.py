"""家校沟通: the parent portal's own records — home-guidance notes, 转化记载簿 entries shared with the family,
private parent–teacher threads (text and images), class announcements, an in-app notification centre with
teachers' quiet hours, and an outbox for the optional 企业微信 group-robot webhook.

A Thread belongs to one student and one teacher: every guardian of that student reads and writes in it, the
teacher is the other side. Nobody else (not another parent, not another teacher) sees it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from yincai.school.models import School, SchoolClass, Staff, Student, Term
from yincai.support.models import ProgressEntry


class FamilySettings(models.Model):
    """Per-school settings of home-school messaging (created with defaults on first use)."""

    FORMAT_CHOICES = [("text", "文本"), ("markdown", "Markdown")]
    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="family_settings", verbose_name="学校")
    quiet_start = models.TimeField("教师免打扰开始", default=datetime.time(21, 0))
    quiet_end = models.TimeField("教师免打扰结束", default=datetime.time(7, 0))
    webhook_url = models.URLField("企业微信群机器人地址", blank=True, max_length=500)
    webhook_format = models.CharField("消息格式", max_length=10, choices=FORMAT_CHOICES, default="text")

    class Meta:
        verbose_name = verbose_name_plural = "家校沟通设置"

    def __str__(self) -> str:
        return f"{self.school} 家校沟通设置"


class HomeNote(models.Model):
    """家庭指导建议: a teacher's advice to the families of one student or a group of students."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+", verbose_name="学期")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="home_notes", verbose_name="教师")
    students = models.ManyToManyField(Student, related_name="home_notes", verbose_name="学生")
    title = models.CharField("标题", max_length=100)
    text = models.TextField("建议内容")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "家庭指导建议"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SharedEntry(models.Model):
    """A 转化记载簿 line the teacher chose to show to the student's family."""

    entry = models.OneToOneField(ProgressEntry, on_delete=models.CASCADE, related_name="family_share",
                                 verbose_name="记载")
    shared_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="分享人")
    shared_at = models.DateTimeField("分享时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "向家长公开的转化记载"

    def __str__(self) -> str:
        return str(self.entry)


class Thread(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="family_threads", verbose_name="学生")
    teacher = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="family_threads", verbose_name="教师")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_at = models.DateTimeField("最后消息", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "家校对话"
        ordering = ["-last_at"]
        constraints = [models.UniqueConstraint(fields=["student", "teacher"], name="family_thread_unique")]

    def __str__(self) -> str:
        return f"{self.student.name}家长 ↔ {self.teacher.name}"


def _image_path(instance: Message, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"family/{timezone.now():%Y/%m}/{instance.thread_id}-{timezone.now():%H%M%S%f}.{ext}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages", verbose_name="对话")
    number = models.PositiveIntegerField("序号")  # 1, 2, … within the thread (used in image URLs)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                               verbose_name="发送人")
    from_teacher = models.BooleanField("教师发出", default=False)
    text = models.TextField("内容", blank=True)
    image = models.FileField("图片", upload_to=_image_path, blank=True)
    image_type = models.CharField("图片类型", max_length=30, blank=True)
    announcement = models.ForeignKey("Announcement", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="回复的通知")
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    read_at = models.DateTimeField("对方已读", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "家校消息"
        ordering = ["thread", "number"]
        constraints = [models.UniqueConstraint(fields=["thread", "number"], name="family_message_number")]

    def __str__(self) -> str:
        return f"{self.thread} #{self.number}"


class Announcement(models.Model):
    """A class announcement to all parents of the class; replies go to private threads."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="announcements",
                                     verbose_name="班级")
    author = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="announcements", verbose_name="教师")
    title = models.CharField("标题", max_length=100)
    text = models.TextField("内容")
    created_at = models.DateTimeField("发布时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "班级通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.title}"


class Notification(models.Model):
    """One line in a user's notification centre; shown only from `deliver_after` (teachers' quiet hours)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_notifications",
                             verbose_name="接收人")
    text = models.CharField("内容", max_length=200)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("产生时间", default=timezone.now)
    deliver_after = models.DateTimeField("送达时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-deliver_after", "-id"]

    def __str__(self) -> str:
        return self.text


class Outbox(models.Model):
    """A queued outbound message (企业微信 group robot); sent by `send_outbox`, never inside a page request."""

    STATUS_CHOICES = [("queued", "待发送"), ("sent", "已送达"), ("failed", "发送失败(已停止重试)")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", verbose_name="学校")
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="outbox", verbose_name="通知")
    url = models.URLField("地址", max_length=500)
    payload = models.JSONField("消息体")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="queued", db_index=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "外发队列"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.url[:40]}"
