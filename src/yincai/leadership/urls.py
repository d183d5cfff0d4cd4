from __future__ import annotations

from django.urls import path

from yincai.leadership import views

app_name = "leadership"
urlpatterns = [
    path("checks/", views.checks, name="checks"),
    path("checks/<int:teacher_id>/", views.check_form, name="check_form"),
    path("teachers/<int:teacher_id>/", views.teacher, name="teacher"),
    path("me/", views.me, name="me"),
    path("plan/", views.plan, name="plan"),
]
