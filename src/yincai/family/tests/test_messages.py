"""Threads (text, images, read receipts), notification centre and teachers' quiet hours; refusals."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.personas import Personas
from yincai.family import selectors as sel
from yincai.family import services as svc
from yincai.family.models import Message, Notification, Thread
from yincai.family.tests.helpers import PNG_1X1, client_for, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def _local(hour: int, minute: int = 0, day: int = 0) -> datetime.datetime:
    d = timezone.localdate() + datetime.timedelta(days=day)
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour, minute)))


def test_parent_writes_teacher_reads_receipt_and_reply(personas: Personas) -> None:
    pa, hu = client_for(personas, "pa"), client_for(personas, "hu")
    url = reverse("family:thread", args=[personas.alice.pk, staff("hu").pk])
    assert pa.post(url, {"text": "老师您好，孩子今天发烧请假"}).status_code == 302
    msg = Message.objects.get(text__startswith="老师您好")
    assert msg.thread.teacher == staff("hu") and not msg.from_teacher and msg.read_at is None
    assert "未读" in pa.get(url).content.decode()
    page = hu.get(reverse("family:staff_thread", args=[personas.alice.pk])).content.decode()
    assert "孩子今天发烧请假" in page
    msg.refresh_from_db()
    assert msg.read_at is not None  # read receipt
    assert "已读" in pa.get(url).content.decode()
    hu.post(reverse("family:staff_thread", args=[personas.alice.pk]), {"text": "收到，祝早日康复"})
    assert Notification.objects.filter(user=personas.users["pa"], text__contains="收到，祝早日康复").exists()
    assert "祝早日康复" in pa.get(url).content.decode()


def test_threads_are_private(personas: Personas) -> None:
    pa = client_for(personas, "pa")
    pa.post(reverse("family:thread", args=[personas.alice.pk, staff("hu").pk]), {"text": "只给胡老师看"})
    # ma teaches alice too, but sees only the ma–alice thread (empty), not hu's
    page = client_for(personas, "ma").get(reverse("family:staff_thread", args=[personas.alice.pk])).content.decode()
    assert "只给胡老师看" not in page
    assert "只给胡老师看" not in client_for(personas, "ma").get(reverse("family:inbox")).content.decode()
    # another family, a teacher not teaching alice, a teacher not teaching the child: 404
    assert client_for(personas, "pb").get(reverse("family:thread", args=[personas.alice.pk, staff("hu").pk])).status_code == 404
    assert client_for(personas, "ma2").get(reverse("family:staff_thread", args=[personas.alice.pk])).status_code == 404
    assert pa.get(reverse("family:thread", args=[personas.alice.pk, staff("ma2").pk])).status_code == 404
    assert pa.post(reverse("family:thread", args=[personas.alice.pk, staff("ma2").pk]), {"text": "x"}).status_code == 404
    assert Message.objects.count() == 1


def test_images_validated_and_served_only_to_the_thread(personas: Personas, media: Path) -> None:
    pa = client_for(personas, "pa")
    url = reverse("family:thread", args=[personas.alice.pk, staff("hu").pk])
    pa.post(url, {"text": "", "image": SimpleUploadedFile("作业.png", PNG_1X1, content_type="image/png")})
    msg = Message.objects.get()
    assert msg.image_type == "image/png" and (media / msg.image.name).exists()
    assert not msg.image.name.startswith("/") and "作业" not in msg.image.name
    r = pa.get(reverse("family:thread_image", args=[personas.alice.pk, staff("hu").pk, msg.number]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and b"".join(r.streaming_content) == PNG_1X1
    assert client_for(personas, "hu").get(reverse("family:staff_image", args=[personas.alice.pk, msg.number])).status_code == 200
    assert client_for(personas, "ma").get(reverse("family:staff_image", args=[personas.alice.pk, msg.number])).status_code == 404
    assert client_for(personas, "pb").get(
        reverse("family:thread_image", args=[personas.alice.pk, staff("hu").pk, msg.number])).status_code == 404
    # a script renamed to .png, and an oversized file, are refused and write nothing
    r = pa.post(url, {"image": SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")},
                follow=True)
    assert "只能发送 PNG、JPEG 或 GIF 图片" in r.content.decode()
    big = SimpleUploadedFile("big.png", PNG_1X1 + b"\0" * (svc.MAX_IMAGE_BYTES + 1), content_type="image/png")
    r = pa.post(url, {"image": big}, follow=True)
    assert "图片不能超过 5 MB" in r.content.decode()
    r = pa.post(url, {"text": "  "}, follow=True)
    assert "请输入消息内容或选择图片" in r.content.decode()
    assert Message.objects.count() == 1
    assert len(list(media.rglob("*.*"))) == 1


@pytest.mark.parametrize(("hour", "minute", "day", "expect"), [
    (22, 30, 0, (7, 0, 1)),   # evening: next morning 07:00
    (6, 10, 0, (7, 0, 0)),    # early morning: same day 07:00
    (12, 0, 0, None),         # working hours: immediately
    (21, 0, 0, (7, 0, 1)),    # quiet hours start inclusive
    (7, 0, 0, None),          # and end exclusive
])
def test_quiet_hours_default(personas: Personas, hour: int, minute: int, day: int, expect: tuple | None) -> None:
    now = _local(hour, minute, day)
    got = svc.deliver_time(personas.school, now)
    assert got == (now if expect is None else _local(*expect))


def test_quiet_hours_hold_teacher_notifications_not_parents(personas: Personas) -> None:
    thread = svc.thread_for(student=personas.alice, teacher=staff("hu"))
    evening = _local(22, 30)
    svc.message_send(thread=thread, sender=personas.users["pa"], from_teacher=False, text="晚上打扰了", now=evening)
    hu_user = personas.users["hu"]
    assert sel.unread_count(hu_user, now=evening + datetime.timedelta(minutes=5)) == 0
    assert sel.unread_count(hu_user, now=_local(6, 59, 1)) == 0
    assert sel.unread_count(hu_user, now=_local(7, 0, 1)) == 1
    # the teacher's late answer reaches the parent at once
    svc.message_send(thread=thread, sender=hu_user, from_teacher=True, text="好的", now=evening)
    assert sel.unread_count(personas.users["pa"], now=evening) == 1


def test_quiet_hours_are_school_configurable(personas: Personas) -> None:
    admin = client_for(personas, "wang")
    r = admin.post(reverse("family:settings"), {"quiet_start": "22:00", "quiet_end": "06:30", "webhook_url": "",
                                                 "webhook_format": "text"})
    assert r.status_code == 302
    assert svc.deliver_time(personas.school, _local(21, 30)) == _local(21, 30)
    assert svc.deliver_time(personas.school, _local(23, 0)) == _local(6, 30, 1)
    r = admin.post(reverse("family:settings"), {"quiet_start": "晚上", "quiet_end": "06:30"}, follow=True)
    assert "免打扰时间格式" in r.content.decode()
    r = admin.post(reverse("family:settings"), {"quiet_start": "21:00", "quiet_end": "07:00",
                                                 "webhook_url": "ftp://robot", "webhook_format": "text"}, follow=True)
    assert "机器人地址不是有效的网址" in r.content.decode()
    assert svc.settings_for(personas.school).webhook_url == ""
    assert client_for(personas, "hu").get(reverse("family:settings")).status_code == 403


def test_notification_centre_and_header_count(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    hu.post(reverse("family:staff_thread", args=[personas.alice.pk]), {"text": "明天带量角器"})
    pa = client_for(personas, "pa")
    home = pa.get(reverse("family:portal")).content.decode()
    assert 'class="bell-count" data-unread="1"' in home
    centre = pa.get(reverse("family:notifications")).content.decode()
    assert "明天带量角器" in centre
    pa.post(reverse("family:notifications"))
    assert "bell-count" not in pa.get(reverse("family:portal")).content.decode()
    assert Notification.objects.get(user=personas.users["pa"], text__contains="量角器").read_at is not None
    # opening the thread reads the notification that pointed to it
    hu.post(reverse("family:staff_thread", args=[personas.alice.pk]), {"text": "第二条"})
    assert 'data-unread="1"' in pa.get(reverse("family:portal")).content.decode()
    pa.get(reverse("family:thread", args=[personas.alice.pk, staff("hu").pk]))
    assert "bell-count" not in pa.get(reverse("family:portal")).content.decode()
    # nobody else got it
    assert not Notification.objects.filter(user=personas.users["pb"]).exists()


def test_family_tabbar_for_parents_and_students_only(personas: Personas) -> None:
    assert 'class="tabbar"' in client_for(personas, "pa").get(reverse("family:portal")).content.decode()
    assert 'class="tabbar"' in client_for(personas, "alice").get(reverse("web:me")).content.decode()
    assert 'class="tabbar"' not in client_for(personas, "hu").get(reverse("family:inbox")).content.decode()


def test_thread_rows_unique_per_student_and_teacher(personas: Personas) -> None:
    a = svc.thread_for(student=personas.alice, teacher=staff("hu"))
    b = svc.thread_for(student=personas.alice, teacher=staff("hu"))
    m1 = svc.message_send(thread=a, sender=personas.users["pa"], from_teacher=False, text="1")
    m2 = svc.message_send(thread=b, sender=personas.users["pa"], from_teacher=False, text="2")
    assert a.pk == b.pk and Thread.objects.count() == 1 and (m1.number, m2.number) == (1, 2)
