"""「API 令牌」: staff create and revoke their own personal access tokens (the secret is shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import STAFF_ROLES, roles_of
from yincai.apitokens import services
from yincai.apitokens.models import ApiToken


@role_required(*STAFF_ROLES)
def tokens(request: HttpRequest) -> HttpResponse:
    new_secret = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                raw = request.POST.get("token", "")
                token = get_object_or_404(ApiToken.objects.filter(owner=request.user),
                                          pk=int(raw) if raw.isdigit() else 0)
                services.token_revoke(token=token, by=request.user)
                messages.success(request, f"令牌「{token.name}」已吊销，使用它的脚本将无法再访问")
                return redirect("apitokens:tokens")
            raw_days = request.POST.get("days", "")
            created = services.token_create(owner=request.user, name=request.POST.get("name", ""),
                                            days=int(raw_days) if raw_days.isdigit() else 0,
                                            roles=request.POST.getlist("roles"))
            new_secret = created.secret
            messages.success(request, f"令牌「{created.token.name}」已创建；请立即复制保存，离开本页后无法再次查看")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    response = render(request, "apitokens/tokens.html", {
        "tokens": ApiToken.objects.filter(owner=request.user),
        "my_roles": sorted(roles_of(request.user), key=lambda r: r.value),
        "new_secret": new_secret,
        "max_days": services.MAX_DAYS,
    })
    response["Cache-Control"] = "no-store"  # the page may show a secret
    return response
