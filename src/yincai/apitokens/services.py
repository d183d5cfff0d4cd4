"""Create, revoke and check API tokens; every creation and revocation is audited."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yincai.accounts.roles import STAFF_ROLES, Role, roles_of
from yincai.apitokens.models import ApiToken
from yincai.oversight.services import audit_record

MAX_DAYS = 365
LAST_USED_EVERY = datetime.timedelta(minutes=5)  # last_used_at is written at most this often


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the full token, shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, owner: Any, name: str, days: int, roles: list[str] | None = None) -> NewToken:
    """A new token of `owner` valid for `days` (1…365); `roles` ⊆ the owner's roles (empty: all of them)."""
    own = roles_of(owner)
    if not own & STAFF_ROLES:
        raise ValidationError("只有教职工可以创建 API 令牌")
    name = name.strip()
    if not name:
        raise ValidationError("请填写令牌名称（例如：成绩自动导入脚本）")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"有效期应在 1 到 {MAX_DAYS} 天之间")
    wanted = sorted(set(roles or []))
    unknown = [r for r in wanted if r not in {x.value for x in own}]
    if unknown:
        raise ValidationError("令牌只能限定为您自己的角色")
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = f"yc_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(owner=owner, name=name[:100], prefix=prefix, token_hash=_digest(secret),
                                    roles=wanted, expires_at=timezone.now() + datetime.timedelta(days=days))
    audit_record(action="create", model="apitokens.ApiToken", object_id=token.pk,
                 detail=f"创建 API 令牌「{token.name}」（yc_{prefix}…，{days} 天）")
    return NewToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    if token.revoked_at is not None:
        raise ValidationError("该令牌已吊销")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(action="update", model="apitokens.ApiToken", object_id=token.pk,
                 detail=f"吊销 API 令牌「{token.name}」（yc_{token.prefix}…）")
    return token


def token_user(secret: str) -> tuple[Any, frozenset[Role]] | None:
    """The owner and effective roles of an active token (None for unknown, expired or revoked tokens).
    Effective roles = the owner's roles now ∩ the token's roles (all of them when the token names none)."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "yc":
        return None
    token = ApiToken.objects.select_related("owner").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_hash, _digest(secret)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.owner.is_active:
        return None
    roles = roles_of(token.owner)
    if token.roles:
        roles = frozenset(r for r in roles if r.value in token.roles)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.owner, frozenset(roles)
