from __future__ import annotations

from django.urls import path

from yincai.family import views

app_name = "family"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("child/<int:student_id>/", views.child, name="child"),
    path("child/<int:student_id>/t/<int:teacher_id>/", views.thread, name="thread"),
    path("child/<int:student_id>/t/<int:teacher_id>/img/<int:number>/", views.thread_image, name="thread_image"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:student_id>/", views.staff_thread, name="staff_thread"),
    path("inbox/<int:student_id>/img/<int:number>/", views.staff_image, name="staff_image"),
    path("inbox/<int:student_id>/share/", views.share_entries, name="share_entries"),
    path("inbox/<int:student_id>/guardians/", views.guardians, name="guardians"),
    path("notes/", views.notes, name="notes"),
    path("announce/", views.announce, name="announce"),
    path("outbox/retry/", views.outbox_retry, name="outbox_retry"),
    path("settings/", views.family_settings, name="settings"),
    path("notifications/", views.notifications, name="notifications"),
]
