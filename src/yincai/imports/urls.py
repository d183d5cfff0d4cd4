from __future__ import annotations

from django.urls import path

from yincai.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/export/", views.batch_export, name="batch_export"),
    path("batches/<int:batch_id>/confirm/", views.confirm, name="confirm"),
    path("batches/<int:batch_id>/resolve/", views.resolve, name="resolve"),
    path("templates/roster.xlsx", views.template_roster, name="template_roster"),
    path("templates/blueprint.xlsx", views.template_blueprint, name="template_blueprint"),
    path("assessments/<int:assessment_id>/template.xlsx", views.template_scores, name="template_scores"),
    path("assessments/<int:assessment_id>/export/", views.export_scores, name="export_scores"),
    path("classes/<int:class_id>/roster/", views.export_roster, name="export_roster"),
]
