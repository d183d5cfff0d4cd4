"""Thin views of the parent portal and home-school messages. Lookups go through selectors (404 otherwise)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, Role
from yincai.family import selectors as sel
from yincai.family import services as svc
from yincai.family.models import Message, Outbox, Thread
from yincai.school.models import Staff, Term
from yincai.school.selectors import children_of, staff_of

TEACHERS = (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return False
    messages.success(request, success)
    return True


def _me(request: HttpRequest) -> Staff:
    staff = staff_of(request.user)
    if staff is None:
        raise Http404("不是教职工账号")
    return staff


def _image_response(msg: Message) -> FileResponse:
    try:
        handle = msg.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("图片已不存在") from exc
    response = FileResponse(handle, content_type=msg.image_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------------------------ parents


@role_required(Role.PARENT)
def portal(request: HttpRequest) -> HttpResponse:
    """The parent's home: the first child's page (the switcher leads to the siblings)."""
    children = list(children_of(request.user).order_by("student_no"))
    if not children:
        return render(request, "family/no_child.html")
    return _child_page(request, children[0], children)


@role_required(Role.PARENT)
def child(request: HttpRequest, student_id: int) -> HttpResponse:
    return _child_page(request, sel.child_of(request.user, student_id))


def _child_page(request: HttpRequest, student: Any, children: list[Any] | None = None) -> HttpResponse:
    ctx = sel.child_overview(request.user, student)
    ctx["children"] = children_of(request.user).order_by("student_no") if children is None else children
    return render(request, "family/child.html", ctx)


def _thread_page(request: HttpRequest, *, student: Any, teacher: Staff, thread: Thread | None, is_teacher: bool,
                 back: str) -> HttpResponse:
    svc.thread_mark_read(thread=thread, reader_is_teacher=is_teacher)
    svc.notifications_mark_read_for(user=request.user, url=request.path)
    return render(request, "family/thread.html", {
        "student": student, "teacher": teacher, "thread": thread, "messages_list": sel.thread_messages(thread),
        "is_teacher": is_teacher, "back": back,
    })


@role_required(Role.PARENT)
def thread(request: HttpRequest, student_id: int, teacher_id: int) -> HttpResponse:
    student = sel.child_of(request.user, student_id)
    teacher = sel.teacher_of_child(student, teacher_id)
    existing = Thread.objects.filter(student=student, teacher=teacher).first()
    if request.method == "POST":
        t = existing or svc.thread_for(student=student, teacher=teacher)
        _attempt(request, lambda: svc.message_send(
            thread=t, sender=request.user, from_teacher=False, text=request.POST.get("text", ""),
            image=request.FILES.get("image")), "消息已发送")
        return redirect(reverse("family:thread", args=[student.pk, teacher.pk]))
    return _thread_page(request, student=student, teacher=teacher, thread=existing, is_teacher=False,
                        back=reverse("family:child", args=[student.pk]))


@role_required(Role.PARENT)
def thread_image(request: HttpRequest, student_id: int, teacher_id: int, number: int) -> HttpResponse:
    student = sel.child_of(request.user, student_id)
    teacher = sel.teacher_of_child(student, teacher_id)
    return _image_response(sel.message_by_number(Thread.objects.filter(student=student, teacher=teacher).first(), number))


# ------------------------------------------------------------------------------------------ teachers


@role_required(*TEACHERS)
def inbox(request: HttpRequest) -> HttpResponse:
    threads = list(sel.teacher_threads(request.user))
    unread = {t.pk: t.messages.filter(from_teacher=False, read_at__isnull=True).count() for t in threads}
    return render(request, "family/inbox.html", {
        "threads": [(t, unread[t.pk]) for t in threads],
        "students": sel.students_taught_by(request.user).order_by("student_no"),
    })


@role_required(*TEACHERS)
def staff_thread(request: HttpRequest, student_id: int) -> HttpResponse:
    student = sel.taught_student(request.user, student_id)
    me = _me(request)
    existing = Thread.objects.filter(student=student, teacher=me).first()
    if request.method == "POST":
        t = existing or svc.thread_for(student=student, teacher=me)
        _attempt(request, lambda: svc.message_send(
            thread=t, sender=request.user, from_teacher=True, text=request.POST.get("text", ""),
            image=request.FILES.get("image")), "消息已发送")
        return redirect(reverse("family:staff_thread", args=[student.pk]))
    response = _thread_page(request, student=student, teacher=me, thread=existing, is_teacher=True,
                            back=reverse("family:inbox"))
    return response


@role_required(*TEACHERS)
def staff_image(request: HttpRequest, student_id: int, number: int) -> HttpResponse:
    student = sel.taught_student(request.user, student_id)
    me = _me(request)
    return _image_response(sel.message_by_number(Thread.objects.filter(student=student, teacher=me).first(), number))


@role_required(*TEACHERS)
def share_entries(request: HttpRequest, student_id: int) -> HttpResponse:
    """Choose which 转化记载簿 lines of a student the family sees."""
    from yincai.support.models import ProgressEntry

    student = sel.taught_student(request.user, student_id)
    entries = ProgressEntry.objects.filter(student=student).select_related("author")
    if request.method == "POST":
        me = _me(request)
        entry = get_object_or_404(entries, pk=request.POST.get("entry") or 0)
        shared = request.POST.get("shared") == "1"
        _attempt(request, lambda: svc.entry_share(entry=entry, by=me, shared=shared),
                 "已向家长公开" if shared else "已取消公开")
        return redirect(reverse("family:share_entries", args=[student.pk]))
    return render(request, "family/share_entries.html", {
        "student": student, "entries": entries, "shared": sel.shared_entry_ids(student),
    })


@role_required(Role.HEAD_TEACHER)
def guardians(request: HttpRequest, student_id: int) -> HttpResponse:
    """The head teacher links a parent account that already exists (an older sibling's) to this child."""
    from yincai.school.models import GuardianLink

    student = sel.head_taught_student(request.user, student_id)
    if request.method == "POST":
        _attempt(request, lambda: svc.guardian_link_existing(
            student=student, username=request.POST.get("username", ""), relation=request.POST.get("relation", "")),
            "已关联，家长用同一个账号即可切换查看")
        return redirect(reverse("family:guardians", args=[student.pk]))
    return render(request, "family/guardians.html", {
        "student": student, "links": student.guardian_links.select_related("guardian__user"),
        "relations": GuardianLink.RELATION_CHOICES,
    })


@role_required(*TEACHERS)
def notes(request: HttpRequest) -> HttpResponse:
    students = sel.staff_students_for_notes(request.user)
    if request.method == "POST":
        me = _me(request)
        ids = [int(v) for v in request.POST.getlist("students") if v.isdigit()]
        chosen = list(students.filter(pk__in=ids))
        if len(chosen) != len(set(ids)):
            raise Http404("找不到该学生")
        term = Term.current()
        if _attempt(request, lambda: svc.home_note_create(
                author=me, term=term, students=chosen, title=request.POST.get("title", ""),
                text=request.POST.get("text", "")), "家庭指导建议已发送给家长"):
            return redirect(reverse("family:notes"))
    return render(request, "family/notes.html", {
        "students": students, "notes": sel.notes_by(request.user)[:30], "form": request.POST,
    })


@role_required(*TEACHERS)
def announce(request: HttpRequest) -> HttpResponse:
    classes = sel.classes_for_announcement(request.user)
    if request.method == "POST":
        me = _me(request)
        klass = next((k for k in classes if str(k.pk) == request.POST.get("school_class")), None)
        if klass is None:
            messages.error(request, "请选择您任教的班级")
        elif _attempt(request, lambda: svc.announcement_create(
                author=me, school_class=klass, title=request.POST.get("title", ""),
                text=request.POST.get("text", "")), "通知已发布给全班家长"):
            svc.send_outbox_async()  # never inline: a slow or dead receiver must not hold the page
            return redirect(reverse("family:announce"))
    return render(request, "family/announce.html", {
        "classes": classes, "outbox": sel.outbox_for(request.user)[:30], "form": request.POST,
    })


@role_required(*TEACHERS)
def outbox_retry(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    row = get_object_or_404(sel.outbox_for(request.user), pk=request.POST.get("row") or 0)
    if _attempt(request, lambda: svc.outbox_retry(row=row), "已重新排队发送"):
        svc.send_outbox_async()
    return redirect(reverse("family:announce"))


@role_required(Role.ADMIN)
def family_settings(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    fs = svc.settings_for(me.school)
    if request.method == "POST":
        def save() -> None:
            try:
                start = datetime.time.fromisoformat(request.POST.get("quiet_start", ""))
                end = datetime.time.fromisoformat(request.POST.get("quiet_end", ""))
            except ValueError as exc:
                raise ValidationError("免打扰时间格式应为 时:分，例如 21:00") from exc
            svc.settings_update(school=me.school, quiet_start=start, quiet_end=end,
                                webhook_url=request.POST.get("webhook_url", ""),
                                webhook_format=request.POST.get("webhook_format", "text"))
        if _attempt(request, save, "设置已保存"):
            return redirect(reverse("family:settings"))
    return render(request, "family/settings.html", {"fs": fs, "outbox": Outbox.objects.filter(school=me.school)[:30]})


# ------------------------------------------------------------------------------------------ everyone


@role_required(*ALL_ROLES)
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(sel.notifications_for(request.user)[:50])
    if request.method == "POST":
        svc.notifications_mark_read(user=request.user)
        return redirect(reverse("family:notifications"))
    return render(request, "family/notifications.html", {"items": items})
