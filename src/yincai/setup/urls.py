from __future__ import annotations

from django.urls import path

from yincai.setup import views

app_name = "setup"
urlpatterns = [
    path("", views.start, name="start"),
]
