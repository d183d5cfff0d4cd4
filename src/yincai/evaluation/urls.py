from __future__ import annotations

from django.urls import path

from yincai.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("figure/", views.figure_view, name="figure"),
    path("transitions/", views.transitions_view, name="transitions"),
    path("studies/", views.studies, name="studies"),
    path("studies/<int:study_id>/", views.study_detail, name="study"),
    path("growth/<int:class_id>/", views.growth, name="growth"),
    path("reports/", views.reports, name="reports"),
    path("reports/rows/", views.report_rows, name="report_rows"),
    path("reports/<int:report_id>/<str:fmt>/", views.report_file, name="report_file"),
]
