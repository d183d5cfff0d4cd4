from __future__ import annotations

from django.urls import path

from yincai.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("manage/", views.manage, name="manage"),
    path("manage/slips.pdf", views.school_slips, name="school_slips"),
    path("manage/classes/<int:class_id>/", views.class_accounts, name="class_accounts"),
    path("manage/classes/<int:class_id>/slips.pdf", views.class_slips, name="class_slips"),
    path("manage/staff/", views.staff_accounts, name="staff_accounts"),
    path("manage/staff/slips.pdf", views.staff_slips, name="staff_slips"),
    path("manage/users/<int:user_id>/reset/", views.reset, name="reset"),
]
