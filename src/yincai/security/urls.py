from __future__ import annotations

from django.urls import path

from yincai.security import views

app_name = "security"
urlpatterns = [
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/unlock/", views.unlock, name="unlock"),
]
