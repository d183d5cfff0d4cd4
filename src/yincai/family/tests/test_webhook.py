"""Class announcements and the 企业微信 group-robot outbox, against a local HTTP receiver the test starts."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.personas import Personas
from yincai.family import services as svc
from yincai.family.models import Announcement, Message, Notification, Outbox
from yincai.family.tasks import send_outbox_task
from yincai.family.tests.helpers import client_for, free_port, receiver, staff

pytestmark = pytest.mark.django_db


def _configure(personas: Personas, url: str, fmt: str = "text") -> None:
    svc.settings_update(school=personas.school, quiet_start=datetime.time(21), quiet_end=datetime.time(7),
                        webhook_url=url, webhook_format=fmt)


def _announce(personas: Personas, title: str = "周五家长会", capture: object = None) -> object:
    return client_for(personas, "hu").post(reverse("family:announce"), {
        "school_class": personas.class31.pk, "title": title, "text": "本周五下午3点在三(1)班教室召开家长会。"})


def test_announcement_reaches_receiver_in_robot_format(personas: Personas, django_capture_on_commit_callbacks: object) -> None:
    with receiver() as rx:
        _configure(personas, rx.url)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
            r = _announce(personas)
        assert r.status_code == 302
        assert len(callbacks) == 1  # the page only schedules the background send
        row = Outbox.objects.get()
        assert row.status == "queued" and row.attempts == 0 and rx.bodies == []
        assert svc.send_outbox() == {"sent": 1, "retry": 0, "failed": 0}
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert len(rx.bodies) == 1
    body = rx.bodies[0]
    assert body["content_type"] == "application/json"
    assert set(body["json"]) == {"msgtype", "text"} and body["json"]["msgtype"] == "text"
    content = body["json"]["text"]["content"]
    assert "周五家长会" in content and "三年级(1)班" in content and "alice" not in content  # no child's name
    # in-app: every parent of the class, nobody else
    assert Notification.objects.filter(user=personas.users["pa"], text__contains="周五家长会").exists()
    assert not Notification.objects.filter(user=personas.users["pb"]).exists()
    page = client_for(personas, "pa").get(reverse("family:child", args=[personas.alice.pk])).content.decode()
    assert "周五家长会" in page and "私信回复" in page


def test_markdown_format(personas: Personas) -> None:
    with receiver() as rx:
        _configure(personas, rx.url, "markdown")
        _announce(personas, "春游通知")
        svc.send_outbox()
    assert rx.bodies[0]["json"]["msgtype"] == "markdown"
    assert rx.bodies[0]["json"]["markdown"]["content"].startswith("### 春游通知")


def test_receiver_down_stays_queued_visible_then_retried(personas: Personas) -> None:
    port = free_port()  # nobody listens here yet
    _configure(personas, f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=x")
    assert _announce(personas).status_code == 302
    counts = svc.send_outbox()
    assert counts == {"sent": 0, "retry": 1, "failed": 0}
    row = Outbox.objects.get()
    assert row.status == "queued" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > timezone.now()
    page = client_for(personas, "hu").get(reverse("family:announce")).content.decode()
    assert "待发送" in page and row.last_error[:20] in page
    assert svc.send_outbox() == {"sent": 0, "retry": 0, "failed": 0}  # backing off: not due yet
    with receiver(port) as rx:
        assert svc.send_outbox(now=timezone.now() + datetime.timedelta(minutes=5))["sent"] == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(rx.bodies) == 1


def test_teacher_retries_now_and_gives_up_after_max_attempts(personas: Personas) -> None:
    _configure(personas, f"http://127.0.0.1:{free_port()}/x")
    _announce(personas)
    row = Outbox.objects.get()
    future = timezone.now()
    for _ in range(svc.MAX_ATTEMPTS):
        future += datetime.timedelta(days=1)
        svc.send_outbox(now=future)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == svc.MAX_ATTEMPTS
    assert "发送失败" in client_for(personas, "hu").get(reverse("family:announce")).content.decode()
    r = client_for(personas, "hu").post(reverse("family:outbox_retry"), {"row": row.pk})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.status == "queued"
    # another teacher cannot touch hu's outbox
    assert client_for(personas, "ma2").post(reverse("family:outbox_retry"), {"row": row.pk}).status_code == 404


def test_slow_receiver_never_blocks_the_page(personas: Personas) -> None:
    with receiver(delay=2.0) as rx:
        _configure(personas, rx.url)
        started = time.monotonic()
        r = _announce(personas)
        elapsed = time.monotonic() - started
        assert r.status_code == 302 and elapsed < 1.5
        assert Outbox.objects.get().attempts == 0  # the view did not call the network
        started = time.monotonic()
        counts = svc.send_outbox(timeout=0.5)
        assert time.monotonic() - started < 1.9  # the worker gives up at its timeout
    assert counts["retry"] == 1
    row = Outbox.objects.get()
    assert row.status == "queued" and "timed out" in row.last_error.lower()


def test_no_webhook_configured_means_no_outbox(personas: Personas) -> None:
    _announce(personas)
    assert Announcement.objects.count() == 1 and not Outbox.objects.exists()


def test_announcement_refusals(personas: Personas) -> None:
    # ma2 teaches 三年级(2)班 only: 三年级(1)班 is not offered and a forged id is refused
    r = client_for(personas, "ma2").post(reverse("family:announce"), {
        "school_class": personas.class31.pk, "title": "t", "text": "x"}, follow=True)
    assert "请选择您任教的班级" in r.content.decode()
    r = client_for(personas, "hu").post(reverse("family:announce"), {
        "school_class": personas.class31.pk, "title": "", "text": "x"}, follow=True)
    assert "请填写通知标题和内容" in r.content.decode()
    assert not Announcement.objects.exists() and not Notification.objects.exists()
    assert client_for(personas, "pa").get(reverse("family:announce")).status_code == 403


def test_parent_reply_to_announcement_is_private(personas: Personas) -> None:
    _announce(personas)
    pa = client_for(personas, "pa")
    pa.post(reverse("family:thread", args=[personas.alice.pk, staff("hu").pk]), {"text": "我们准时参加"})
    msg = Message.objects.get()
    assert msg.thread.student == personas.alice and msg.thread.teacher == staff("hu")
    assert Notification.objects.filter(user=personas.users["hu"], text__contains="我们准时参加").exists()
    assert not Notification.objects.filter(user=personas.users["pb"], text__contains="我们准时参加").exists()


def test_the_page_queues_the_send_for_the_worker_which_queues_itself_again_for_a_retry(
        personas: Personas, django_capture_on_commit_callbacks: object) -> None:
    _configure(personas, f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=x")  # nobody listens
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            assert _announce(personas).status_code == 302
        sends = DBTaskResult.objects.filter(task_path__endswith="send_outbox_task")
        first = sends.get()  # queued for the worker: no thread, no network from the page
        assert Outbox.objects.get().attempts == 0
        assert send_outbox_task.call() == {"sent": 0, "retry": 1, "failed": 0}  # what the worker runs
        row = Outbox.objects.get()
        assert row.status == "queued" and row.attempts == 1
        retry = sends.exclude(pk=first.pk).get()  # the next run waits until the row is due again
        assert retry.run_after == row.next_attempt_at and retry.status == "READY"
