from __future__ import annotations

from django.urls import path

from yincai.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("mentees/", views.mentees, name="mentees"),
    path("curriculum/", views.kp_tree_view, name="kp_tree"),
    path("audit/", views.audit_log, name="audit_log"),
    path("me/", views.me, name="me"),
    path("family/children/<int:student_id>/", views.child_detail, name="child_detail"),
]
