from __future__ import annotations

from django.urls import path

from yincai.practice import practice_views, resource_views, student_home, views

app_name = "practice"
urlpatterns = [
    path("drill/", views.drill_home, name="drill_home"),
    path("drill/<int:session_id>/", views.drill_run, name="drill_run"),
    path("drill/<int:session_id>/answer/", views.drill_answer, name="drill_answer"),
    path("drill/<int:session_id>/finish/", views.drill_finish, name="drill_finish"),
    path("drill/<int:session_id>/result/", views.drill_result, name="drill_result"),
    path("students/<int:student_id>/drills/", views.curves, name="curves"),
    path("classes/<int:class_id>/drills/", views.class_drills, name="class_drills"),
    path("today/", practice_views.today, name="today"),
    path("me/", student_home.me, name="me"),
    path("resources/", resource_views.library, name="resources"),
    path("resources/<int:resource_id>/", resource_views.resource, name="resource"),
    path("resources/<int:resource_id>/file/", resource_views.resource_file, name="resource_file"),
    path("resources/<int:resource_id>/done/", resource_views.resource_done, name="resource_done"),
    path("sessions/<int:practice_id>/answer/", practice_views.answer, name="answer"),
    path("sessions/<int:practice_id>/finish/", practice_views.finish, name="finish"),
    path("classes/<int:class_id>/scope/", practice_views.scope, name="scope"),
]
