from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse

from yincai.accounts.access import public


class ChineseAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入。",
        "inactive": "该账号已停用，请联系教导处。",
    }


@public
def login_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=ChineseAuthenticationForm, redirect_authenticated_user=True
    )(request)


@public
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)
