from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from yincai.accounts import selectors as sel
from yincai.accounts.access import login_only, public, role_required
from yincai.accounts.forms import ChinesePasswordChangeForm, SlipsForm
from yincai.accounts.roles import Role, roles_of
from yincai.accounts.services import (
    MUST_CHANGE_SESSION_KEY,
    AccountError,
    is_child_account,
    issue_slips_pdf,
    must_change_password,
    password_changed,
    reset_password,
)
from yincai.accounts.slips import single_slip_pdf
from yincai.school.models import Term

SLIP_ROLES = (Role.ADMIN, Role.HEAD_TEACHER)


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


# ------------------------------------------------------------------------------------------ own password


@login_only
def password_change(request: HttpRequest) -> HttpResponse:
    forced = must_change_password(request.user)
    child = is_child_account(request.user)
    form = ChinesePasswordChangeForm(request.user, request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            password_changed(user=user)
        update_session_auth_hash(request, user)
        request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        messages.success(request, "密码已修改，请记住新密码。")
        nxt = request.POST.get("next") or request.GET.get("next") or ""
        if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
            return redirect(nxt)
        return redirect("web:home")
    return render(request, "accounts/password_change.html", {
        "form": form, "forced": forced, "child": child, "next": request.GET.get("next", ""),
    })


# ------------------------------------------------------------------------------------------ slips and resets


def _term() -> Term:
    term = Term.current()
    if term is None:
        raise Http404("尚未设置学期")
    return term


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:login"))


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*SLIP_ROLES)
def manage(request: HttpRequest) -> HttpResponse:
    term = _term()
    return render(request, "accounts/manage.html", {
        "term": term, "classes": sel.slip_classes_for(request.user, term), "form": SlipsForm(),
        "is_admin": Role.ADMIN in roles_of(request.user, term),
    })


@role_required(*SLIP_ROLES)
def class_accounts(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(sel.slip_classes_for(request.user), pk=class_id)
    return render(request, "accounts/class_accounts.html", {
        "klass": klass, "rows": sel.class_account_rows(klass), "form": SlipsForm(),
    })


@role_required(Role.ADMIN)
def staff_accounts(request: HttpRequest) -> HttpResponse:
    term = _term()
    return render(request, "accounts/staff_accounts.html", {
        "term": term, "rows": sel.staff_account_rows(term), "form": SlipsForm(),
    })


def _issue(request: HttpRequest, *, classes: list, staff: bool, filename: str, back: str) -> HttpResponse:
    form = SlipsForm(request.POST)
    include = form.is_valid() and form.cleaned_data["include_issued"]
    try:
        pdf, _count = issue_slips_pdf(by=request.user, term=_term(), site_url=_site_url(request), classes=classes,
                                      staff=staff, include_issued=include)
    except AccountError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return _pdf(pdf, filename)


@role_required(*SLIP_ROLES)
def class_slips(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(sel.slip_classes_for(request.user), pk=class_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _issue(request, classes=[klass], staff=False, filename=f"login-slips-class-{klass.pk}.pdf",
                  back=reverse("accounts:class_accounts", args=[klass.pk]))


@role_required(Role.ADMIN)
def school_slips(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _issue(request, classes=list(sel.slip_classes_for(request.user)), staff=False,
                  filename="login-slips-all-classes.pdf", back=reverse("accounts:manage"))


@role_required(Role.ADMIN)
def staff_slips(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _issue(request, classes=[], staff=True, filename="login-slips-staff.pdf",
                  back=reverse("accounts:staff_accounts"))


@role_required(*SLIP_ROLES)
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(sel.resettable_users(request.user), pk=user_id)
    if request.method != "POST":
        return render(request, "accounts/reset.html", {"target": target, "who": sel.describe_user(target)})
    try:
        slip = reset_password(user=target, by=request.user)
    except AccountError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:reset", user_id=target.pk)
    if request.POST.get("format") == "pdf":
        return _pdf(single_slip_pdf(slip, site_url=_site_url(request), term=Term.current()),
                    f"login-slip-{target.pk}.pdf")
    response = render(request, "accounts/reset_done.html", {"slip": slip, "site_url": _site_url(request)})
    response["Cache-Control"] = "no-store"
    return response

