from __future__ import annotations

from django.urls import path

from yincai.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:assessment_id>/", views.detail, name="detail"),
    path("<int:assessment_id>/edit/", views.edit, name="edit"),
    path("<int:assessment_id>/blueprint/", views.blueprint, name="blueprint"),
    path("<int:assessment_id>/delete/", views.delete, name="delete"),
]
