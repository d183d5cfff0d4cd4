from __future__ import annotations

from django.urls import path

from yincai.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("students/<int:student_id>/", views.portrait, name="portrait"),
    path("students/<int:student_id>/pdf/", views.portrait_pdf, name="portrait_pdf"),
    path("students/<int:student_id>/tier/", views.tier_decide_view, name="tier_decide"),
    path("students/<int:student_id>/alerts/", views.alert_act_view, name="alert_act"),
    path("classes/<int:class_id>/", views.class_portrait, name="class_portrait"),
    path("classes/<int:class_id>/tiers/", views.tiers, name="tiers"),
    path("classes/<int:class_id>/recompute/", views.recompute, name="recompute"),
    path("classes/<int:class_id>/recompute/status/", views.job_status, name="job_status"),
    path("grades/<int:grade_id>/", views.grade_portrait, name="grade_portrait"),
    path("assessments/<int:assessment_id>/items/", views.item_analysis, name="item_analysis"),
    path("tier-rules/", views.tier_rules, name="tier_rules"),
    path("alerts/", views.alerts, name="alerts"),
    path("alert-rules/", views.alert_rules, name="alert_rules"),
]
