from __future__ import annotations

from django.urls import path

from yincai.rollover import views

app_name = "rollover"
urlpatterns = [
    path("", views.index, name="index"),
    path("preview/", views.preview, name="preview"),
    path("plan.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("confirm/", views.confirm, name="confirm"),
    path("cancel/", views.cancel, name="cancel"),
]
