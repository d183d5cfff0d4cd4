"""Writes of the parent portal: home-guidance notes, sharing 转化记载簿 entries, messages with read receipts,
class announcements, notifications (held during teachers' quiet hours) and the webhook outbox.

Every function takes keyword arguments and runs in one transaction; bad input raises ValidationError with
a Chinese message and writes nothing. Nothing here calls the network except `send_outbox`, which a page
only ever queues for the task worker (`send_outbox_async`) or runs from `yincai family send-outbox`.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from yincai.family.models import (
    Announcement,
    FamilySettings,
    HomeNote,
    Message,
    Notification,
    Outbox,
    SharedEntry,
    Thread,
)
from yincai.family.selectors import guardian_users
from yincai.school.models import School, SchoolClass, Staff, Student, Term

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TEXT = 2000
#: magic bytes → content type; the extension and the browser's claim are not trusted
IMAGE_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
]
WEBHOOK_TIMEOUT = 3.0  # seconds; a slow receiver leaves the row queued
MAX_ATTEMPTS = 8


# ------------------------------------------------------------------------------------------ settings


def settings_for(school: School) -> FamilySettings:
    fs, _ = FamilySettings.objects.get_or_create(school=school)
    return fs


def settings_update(*, school: School, quiet_start: datetime.time, quiet_end: datetime.time,
                    webhook_url: str = "", webhook_format: str = "text") -> FamilySettings:
    webhook_url = (webhook_url or "").strip()
    if webhook_url:
        try:
            URLValidator(schemes=["http", "https"])(webhook_url)
        except ValidationError as exc:
            raise ValidationError("机器人地址不是有效的网址（应以 https:// 开头）") from exc
    if webhook_format not in ("text", "markdown"):
        raise ValidationError("消息格式只能是文本或 Markdown")
    fs = settings_for(school)
    fs.quiet_start, fs.quiet_end, fs.webhook_url, fs.webhook_format = quiet_start, quiet_end, webhook_url, webhook_format
    fs.save()
    return fs


def deliver_time(school: School, now: datetime.datetime) -> datetime.datetime:
    """When a notification to a teacher of `school` created at `now` is shown: now, or the end of quiet hours."""
    fs = settings_for(school)
    start, end = fs.quiet_start, fs.quiet_end
    if start == end:
        return now
    local = timezone.localtime(now)
    t = local.time()
    quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not quiet:
        return now
    day = local.date() if t < end else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, end), timezone.get_current_timezone())


# ------------------------------------------------------------------------------------- notifications


def notify(*, users: Iterable[Any], text: str, url: str = "", now: datetime.datetime | None = None,
           quiet_school: School | None = None) -> list[Notification]:
    """One notification per user; with `quiet_school` (recipients are teachers) quiet hours hold it back."""
    now = now or timezone.now()
    after = deliver_time(quiet_school, now) if quiet_school is not None else now
    rows = [Notification(user=u, text=text[:200], url=url, created_at=now, deliver_after=after)
            for u in {u.pk: u for u in users if u is not None}.values()]
    return Notification.objects.bulk_create(rows)


def notifications_mark_read(*, user: Any, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True, deliver_after__lte=now).update(read_at=now)


def notifications_mark_read_for(*, user: Any, url: str, now: datetime.datetime | None = None) -> int:
    """Opening a page (a thread) reads the notifications that pointed to it."""
    now = now or timezone.now()
    return Notification.objects.filter(user=user, url=url, read_at__isnull=True, deliver_after__lte=now).update(read_at=now)


# ------------------------------------------------------------------------------------ home guidance


@transaction.atomic
def home_note_create(*, author: Staff, term: Term, students: list[Student], title: str, text: str,
                     now: datetime.datetime | None = None) -> HomeNote:
    title, text = (title or "").strip(), (text or "").strip()
    if not students:
        raise ValidationError("请至少选择一名学生")
    if not title:
        raise ValidationError("请填写标题")
    if not text:
        raise ValidationError("请填写建议内容")
    if len(title) > 100 or len(text) > MAX_TEXT:
        raise ValidationError(f"标题不超过100字，内容不超过{MAX_TEXT}字")
    note = HomeNote.objects.create(author=author, term=term, title=title, text=text, created_at=now or timezone.now())
    note.students.set(students)
    for st in students:
        notify(users=guardian_users(st), text=f"{author.name}老师给{st.name}的家庭指导建议：{title}",
               url=reverse("family:child", args=[st.pk]) + "#notes", now=now)
    return note


@transaction.atomic
def entry_share(*, entry: Any, by: Staff, shared: bool) -> SharedEntry | None:
    """Show (or hide again) one 转化记载簿 line to the student's family."""
    if not shared:
        SharedEntry.objects.filter(entry=entry).delete()
        return None
    row, created = SharedEntry.objects.get_or_create(entry=entry, defaults={"shared_by": by})
    if created:
        notify(users=guardian_users(entry.student), text=f"{entry.student.name}的成长记录有新内容",
               url=reverse("family:child", args=[entry.student_id]) + "#entries")
    return row


# ------------------------------------------------------------------------------------------ messages


def thread_for(*, student: Student, teacher: Staff) -> Thread:
    thread, _ = Thread.objects.get_or_create(student=student, teacher=teacher)
    return thread


def validate_image(image: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an uploaded image, or ValidationError: PNG/JPEG/GIF up to 5 MB."""
    if image.size is None or image.size > MAX_IMAGE_BYTES:
        raise ValidationError("图片不能超过 5 MB")
    if image.size == 0:
        raise ValidationError("图片是空文件")
    image.seek(0)
    head = image.read(16)
    image.seek(0)
    for magic, ctype, ext in IMAGE_SIGNATURES:
        if head.startswith(magic):
            return ctype, ext
    raise ValidationError("只能发送 PNG、JPEG 或 GIF 图片")


@transaction.atomic
def message_send(*, thread: Thread, sender: Any, from_teacher: bool, text: str = "",
                 image: UploadedFile | None = None, announcement: Announcement | None = None,
                 now: datetime.datetime | None = None) -> Message:
    now = now or timezone.now()
    text = (text or "").strip()
    if not text and image is None:
        raise ValidationError("请输入消息内容或选择图片")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"消息不超过{MAX_TEXT}字")
    ctype = ""
    if image is not None:
        ctype, ext = validate_image(image)
        image.name = f"image.{ext}"
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    number = (thread.messages.aggregate(n=Max("number"))["n"] or 0) + 1
    msg = Message(thread=thread, number=number, sender=sender, from_teacher=from_teacher, text=text,
                  image_type=ctype, announcement=announcement, created_at=now)
    if image is not None:
        msg.image.save(image.name, image, save=False)
    msg.save()
    thread.last_at = now
    thread.save(update_fields=["last_at"])
    student, teacher = thread.student, thread.teacher
    preview = text[:30] or "[图片]"
    if from_teacher:
        notify(users=guardian_users(student), text=f"{teacher.name}老师（关于{student.name}）：{preview}",
               url=reverse("family:thread", args=[student.pk, teacher.pk]), now=now)
    else:
        notify(users=[teacher.user], text=f"{student.name}家长：{preview}",
               url=reverse("family:staff_thread", args=[student.pk]), now=now, quiet_school=teacher.school)
    return msg


def thread_mark_read(*, thread: Thread | None, reader_is_teacher: bool, now: datetime.datetime | None = None) -> int:
    """Read receipts: the reader's side has now seen every message of the other side."""
    if thread is None or thread.pk is None:
        return 0
    return thread.messages.filter(from_teacher=not reader_is_teacher, read_at__isnull=True).update(
        read_at=now or timezone.now())


# ------------------------------------------------------------------------------------- announcements


def webhook_payload(announcement: Announcement, fmt: str) -> dict[str, Any]:
    """The 企业微信 group-robot JSON (msgtype text or markdown). No student names: a class-level notice."""
    klass, a = announcement.school_class, announcement
    if fmt == "markdown":
        body = f"### {a.title}\n> {klass.name} · {a.author.name}老师\n\n{a.text}"
        return {"msgtype": "markdown", "markdown": {"content": body[:4000]}}
    return {"msgtype": "text", "text": {"content": f"【{klass.name}】{a.title}\n{a.text}\n—— {a.author.name}老师"[:2000]}}


@transaction.atomic
def announcement_create(*, author: Staff, school_class: SchoolClass, title: str, text: str,
                        now: datetime.datetime | None = None) -> Announcement:
    """A notice to every parent of the class (in-app), plus an Outbox row when the school set a webhook."""
    now = now or timezone.now()
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise ValidationError("请填写通知标题和内容")
    if len(title) > 100 or len(text) > MAX_TEXT:
        raise ValidationError(f"标题不超过100字，内容不超过{MAX_TEXT}字")
    a = Announcement.objects.create(author=author, school_class=school_class, title=title, text=text, created_at=now)
    students = Student.objects.filter(enrolments__school_class=school_class).distinct()
    for st in students:
        notify(users=guardian_users(st), text=f"班级通知（{school_class.name}）：{title}",
               url=reverse("family:child", args=[st.pk]) + "#announcements", now=now)
    fs = settings_for(author.school)
    if fs.webhook_url:
        Outbox.objects.create(school=author.school, announcement=a, url=fs.webhook_url,
                              payload=webhook_payload(a, fs.webhook_format), next_attempt_at=now, created_at=now)
    return a


def outbox_retry(*, row: Outbox, now: datetime.datetime | None = None) -> Outbox:
    if row.status == "sent":
        raise ValidationError("该消息已送达")
    row.status, row.next_attempt_at = "queued", now or timezone.now()
    row.save(update_fields=["status", "next_attempt_at"])
    return row


def _post(url: str, payload: dict[str, Any], timeout: float) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read(2000)
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, None):
        raise RuntimeError(f"接收方返回错误 {answer.get('errcode')}: {answer.get('errmsg', '')}")


def send_outbox(*, now: datetime.datetime | None = None, timeout: float = WEBHOOK_TIMEOUT, limit: int = 20) -> dict[str, int]:
    """Send due queued rows; failures stay queued with attempts/last_error and back off (1, 2, 4 … min)."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = list(Outbox.objects.filter(status="queued", next_attempt_at__lte=now).order_by("next_attempt_at", "id")[:limit])
    for row in due:
        try:
            _post(row.url, row.payload, timeout)
        except (OSError, urllib.error.URLError, RuntimeError, ValueError) as exc:
            row.attempts += 1
            row.last_error = (str(getattr(exc, "reason", "")) or str(exc) or exc.__class__.__name__)[:300]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                counts["failed"] += 1
            else:
                row.next_attempt_at = timezone.now() + datetime.timedelta(minutes=2 ** (row.attempts - 1))
                counts["retry"] += 1
        else:
            row.attempts += 1
            row.status, row.sent_at, row.last_error = "sent", timezone.now(), ""
            counts["sent"] += 1
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
    return counts


def send_outbox_async() -> None:
    """Queue a send on the task worker once the current transaction commits: the page never waits for the
    network, and a queued send survives a restart (no thread is started from the request)."""
    from yincai.family.tasks import send_outbox_task
    from yincai.jobs.api import enqueue

    enqueue(send_outbox_task)


# ------------------------------------------------------------------------------------------ siblings


@transaction.atomic
def guardian_link_existing(*, student: Student, username: str, relation: str) -> Any:
    """One login for siblings: link an existing parent account of this school to another child."""
    from yincai.school.models import Guardian, GuardianLink

    username = (username or "").strip()
    if relation not in dict(GuardianLink.RELATION_CHOICES):
        raise ValidationError("请选择与孩子的关系")
    guardian = Guardian.objects.filter(user__username=username).first()
    if guardian is None or not guardian.links.filter(student__school=student.school).exists():
        raise ValidationError(f"本校找不到家长账号「{username}」")
    if guardian.links.filter(student=student).exists():
        raise ValidationError(f"{guardian.name} 已是 {student.name} 的监护人")
    link = GuardianLink.objects.create(guardian=guardian, student=student, relation=relation)
    notify(users=[guardian.user], text=f"您的账号已关联孩子 {student.name}，可在家长首页切换查看",
           url=reverse("family:child", args=[student.pk]))
    return link
