"""No template needs 'unsafe-inline': no inline <script>/<style>, no style="" or on…="" attributes.

The PDF templates are rendered by WeasyPrint on the server and never reach a browser, so they may keep
their <style>. The header itself is checked on a real response.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[1] / "src" / "yincai"
PDF_TEMPLATES = {"portrait_pdf.html", "report_pdf.html", "slips_pdf.html", "handbook_pdf.html"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html") if p.name not in PDF_TEMPLATES)


def test_there_are_templates_to_check() -> None:
    assert len(templates()) > 30


@pytest.mark.parametrize("pattern,what", INLINE, ids=[w for _, w in INLINE])
def test_no_template_needs_unsafe_inline(pattern: re.Pattern[str], what: str) -> None:
    offenders = [f"{p.relative_to(SRC)}:{text.count(chr(10), 0, m.start()) + 1}"
                 for p in templates() for text in [p.read_text()] for m in pattern.finditer(text)]
    assert not offenders, f"{what} in: " + ", ".join(offenders)


def test_the_scanner_finds_what_it_looks_for() -> None:
    sample = '<div style="x"></div><script>1</script><a onclick="x()"></a><style>a{}</style>'
    assert all(pattern.search(sample) for pattern, _ in INLINE[:4])
    assert not INLINE[0][0].search('<script src="/static/a.js" defer></script>')


@pytest.mark.django_db
def test_every_page_carries_the_policy(personas: object) -> None:
    response = Client().get("/accounts/login/")  # a school exists: the login page itself, not the first-run page
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
