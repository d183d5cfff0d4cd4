from __future__ import annotations

from django.urls import path

from yincai.homework import handbook_views, views

app_name = "homework"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("limits/", views.limits, name="limits"),
    path("<int:homework_id>/", views.detail, name="detail"),
    path("<int:homework_id>/compose/", views.compose, name="compose"),
    path("<int:homework_id>/mark/", views.mark, name="mark"),
    path("<int:homework_id>/stats/", views.stats, name="stats"),
    path("<int:homework_id>/approve/", views.approve, name="approve"),
    path("grades/<int:grade_id>/", views.grade_load, name="grade_load"),
    path("assignments/<int:assignment_id>/", views.assignment, name="assignment"),
    path("wrongbook/<int:student_id>/", views.wrongbook_view, name="wrongbook"),
    path("wrongbook/<int:student_id>/print/", views.wrongbook_print, name="wrongbook_print"),
    path("wrongbook/entries/<int:entry_id>/review/", views.wrongbook_review, name="wrongbook_review"),
    path("classes/<int:class_id>/wrongbook/", views.class_wrongbook, name="class_wrongbook"),
    path("assessments/<int:assessment_id>/collect/", views.collect, name="collect"),
    path("classes/<int:class_id>/handbooks/", handbook_views.handbooks, name="handbooks"),
    path("handbooks/<int:job_id>/", handbook_views.handbook_job, name="handbook_job"),
    path("handbooks/<int:job_id>/<str:fmt>/", handbook_views.handbook_file, name="handbook_file"),
]
