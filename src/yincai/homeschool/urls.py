from __future__ import annotations

from django.urls import path

from yincai.homeschool import views, views_staff

app_name = "homeschool"
urlpatterns = [
    path("", views.home, name="home"),
    path("children/<int:student_id>/consent/", views.child_consent, name="child_consent"),
    path("children/<int:student_id>/export/", views.child_export, name="child_export"),
    path("children/<int:student_id>/deletion/", views.child_deletion, name="child_deletion"),
    path("workshops/", views.workshops, name="workshops"),
    path("workshops/new/", views_staff.workshop_new, name="workshop_new"),
    path("workshops/<int:workshop_id>/", views.workshop_detail, name="workshop"),
    path("workshops/<int:workshop_id>/signup/", views.workshop_signup, name="workshop_signup"),
    path("workshops/<int:workshop_id>/qr.svg", views_staff.workshop_qr, name="workshop_qr"),
    path("workshops/<int:workshop_id>/attendance/", views_staff.workshop_attendance, name="workshop_attendance"),
    path("workshops/<int:workshop_id>/materials/", views_staff.workshop_material_upload, name="workshop_material"),
    path("materials/<int:material_id>/", views.material, name="material"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("students/<int:student_id>/contacts/", views_staff.student_contacts, name="student_contacts"),
    path("classes/<int:class_id>/contacts/", views_staff.class_compliance, name="class_compliance"),
    path("contacts/compliance/", views_staff.compliance, name="compliance"),
    path("surveys/", views_staff.survey_list, name="surveys"),
    path("surveys/new/", views_staff.survey_new, name="survey_new"),
    path("surveys/<int:questionnaire_id>/", views.survey_answer, name="survey_answer"),
    path("surveys/<int:questionnaire_id>/edit/", views_staff.survey_edit, name="survey_edit"),
    path("surveys/<int:questionnaire_id>/results/", views_staff.survey_results, name="survey_results"),
    path("surveys/<int:questionnaire_id>/export.xlsx", views_staff.survey_export, name="survey_export"),
    path("requests/", views_staff.data_requests, name="data_requests"),
    path("requests/<int:request_id>/decide/", views_staff.data_request_decide, name="data_request_decide"),
]
