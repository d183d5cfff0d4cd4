from __future__ import annotations

from django.urls import path

from yincai.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("purge/", views.purge, name="purge"),
    path("audit-export/", views.audit_export, name="audit_export"),
]
