"""No page a family can open carries a rank, a percentile, a class median or a tier label (DESIGN §7,
issue 14): every GET route declared for students or parents is fetched as alice and as her mother, with
her own objects, and the text is searched for the words that would give one away."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.personas import Personas
from tests.test_permission_matrix import ENDPOINTS, _fill
from yincai.accounts.roles import Role
from yincai.insight.models import TierDecision, TierProposal
from yincai.school.models import Subject

FORBIDDEN = ["百分位", "排名", "名次", "中位数", "学困", "培优", "边缘", "后进生", "percentile", "rank"]
TAGS = re.compile(r"<[^>]+>")


def _visible_text(html: str) -> str:
    """The page's own content (<main>): the brand (培优辅差) and the footer's promise (不公开排名) are not data."""
    main = re.search(r"<main[^>]*>(.*)</main>", html, flags=re.S)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", main.group(1) if main else html, flags=re.S)
    return TAGS.sub(" ", html)


@pytest.mark.django_db
def test_family_pages_show_no_rank_percentile_or_tier(personas: Personas) -> None:
    math = Subject.objects.get(code="math")
    proposal = TierProposal.objects.create(student=personas.alice, term=personas.term, subject=math, round="initial",
                                           tier="struggling", point_tier="struggling", low_cut=0.3, high_cut=0.9,
                                           percentile=12.0, estimate=0.2)
    TierDecision.objects.create(proposal=proposal, student=personas.alice, term=personas.term, subject=math,
                                round="initial", tier="struggling", decided_by=personas.user("wang"))
    checked = []
    for role in (Role.STUDENT, Role.PARENT):
        client = Client()
        client.force_login(personas.user(role))
        for e in ENDPOINTS:
            if e.is_admin_site or not isinstance(e.roles, frozenset) or role not in e.roles:
                continue
            url = _fill(e.route, personas, 0)
            assert url is not None
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            text = _visible_text(response.content.decode())
            found = [w for w in FORBIDDEN if w in text]
            assert not found, f"{role.value} {url}: {found}"
            checked.append(url)
    print(f"\nfamily pages checked: {len(checked)}")
    assert len(checked) >= 6
