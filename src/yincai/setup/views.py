"""The first-run page (/setup/, only while no school exists) and the KP tree Excel page (/setup/kp/)."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from yincai.accounts.access import public
from yincai.school.models import School
from yincai.setup.forms import SetupForm
from yincai.setup.services import SetupError, school_init


@public
def start(request: HttpRequest) -> HttpResponse:
    if School.objects.exists():
        raise Http404("学校已初始化")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = school_init(
                school_name=data["school_name"], school_code=data["school_code"], term_name=data["term_name"],
                start_date=data["start_date"], end_date=data["end_date"], admin_username=data["admin_username"],
                admin_password=data["admin_password"], admin_name=data["admin_name"], grades=data["grades"],
                subjects=data["subjects"],
            )
        except SetupError as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            login(request, result.admin, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
            return redirect("web:home")
    return render(request, "setup/start.html", {"form": form})
