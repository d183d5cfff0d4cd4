from __future__ import annotations

from django.urls import path

from yincai.setup import views

app_name = "setup"
urlpatterns = [
    path("", views.start, name="start"),
    path("kp/", views.kp_files, name="kp_files"),
    path("kp/<slug:subject_code>/export/", views.kp_export, name="kp_export"),
]
