from __future__ import annotations

from django.urls import path

from yincai.support import views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("students/<int:student_id>/", views.student, name="student"),
    path("students/<int:student_id>/mentor/", views.mentor_assign, name="mentor_assign"),
    path("students/<int:student_id>/plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan, name="plan"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/goals/", views.goal_add, name="goal_add"),
    path("plans/<int:plan_id>/reviews/", views.review_add, name="review_add"),
    path("plans/<int:plan_id>/share/", views.plan_share, name="plan_share"),
    path("plans/<int:plan_id>/check/", views.goals_check, name="goals_check"),
    path("family/", views.family_home, name="family_home"),
    path("family/<int:student_id>/", views.family, name="family"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("classes/<int:class_id>/", views.class_board, name="class_board"),
    path("classes/<int:class_id>/grouping/", views.grouping, name="grouping"),
    path("classes/<int:class_id>/grouping/save/", views.grouping_save, name="grouping_save"),
    path("classes/<int:class_id>/pairs/", views.pairs, name="pairs"),
    path("classes/<int:class_id>/points/", views.points, name="points"),
    path("classes/<int:class_id>/awards/", views.award_grant, name="award_grant"),
    path("classes/<int:class_id>/honor/", views.honor, name="honor"),
    path("self-goals/confirm/", views.self_goal_confirm, name="self_goal_confirm"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/redeem/", views.reward_redeem, name="reward_redeem"),
    path("me/", views.me, name="me"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/actions/done/", views.action_done, name="action_done"),
    path("programs/", views.programs, name="programs"),
    path("programs/<int:program_id>/", views.program, name="program"),
    path("classes/<int:class_id>/observe/", views.observe, name="observe"),
    path("students/<int:student_id>/profile/", views.profile_save, name="profile_save"),
]
