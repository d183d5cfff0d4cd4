"""Rendering 登录凭条 to PDF with WeasyPrint (Noto CJK fonts from Debian's fonts-noto-cjk), as the 学习诊断卡 does."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from yincai.accounts.services import Slip, SlipSection
from yincai.school.models import Term


def render_slips_pdf(sections: list[SlipSection], *, site_url: str, term: Term | None) -> bytes:
    """One slip per person; each section (a class, or 教职工) starts on a new page."""
    from weasyprint import HTML

    html = render_to_string("accounts/slips_pdf.html", {
        "sections": sections, "site_url": site_url, "term": term, "school": term.school if term else None,
        "generated_at": timezone.localtime(),
    })
    return bytes(HTML(string=html).write_pdf())


def single_slip_pdf(slip: Slip, *, site_url: str, term: Term | None) -> bytes:
    return render_slips_pdf([SlipSection(slip.class_name or slip.kind, [slip])], site_url=site_url, term=term)
