"""Shared set-up for the accounts tests: roster-style people (no User yet), clients, PDF text."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path
from typing import Any

from django.test import Client

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.school.models import Enrolment, Guardian, GuardianLink, SchoolClass, Student


def roster_student(p: Personas, no: str, name: str, klass: SchoolClass, *, guardian: str | None = None) -> Student:
    """A student as the roster import creates them: no login yet; with a guardian (no login either)."""
    s = Student.objects.create(school=p.school, student_no=no, name=name, gender="M",
                               birth_date=datetime.date(2017, 3, 1))
    Enrolment.objects.create(student=s, term=p.term, school_class=klass)
    if guardian:
        g = Guardian.objects.create(name=guardian, phone="13900000000")
        GuardianLink.objects.create(guardian=g, student=s, relation="mother", is_primary=True)
    return s


def client_for(p: Personas, who: Role | str) -> Client:
    c = Client()
    c.force_login(p.user(who) if isinstance(who, Role) else p.users[who])
    return c


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page (poppler's pdftotext; pages are separated by form feeds)."""
    path = tmp_path / "slips.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def png_of_first_page(pdf: bytes, out: Path) -> Path:
    src = out.with_suffix(".pdf")
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(src), str(out)],
                   check=True)
    return out.with_suffix(".png")


def no_column_holds(text: str) -> list[str]:
    """Every model text column that contains `text` (should be none for a plaintext password)."""
    from django.apps import apps
    from django.db import models

    hits = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField | models.JSONField):
                lookup = f"{f.attname}__contains" if not isinstance(f, models.JSONField) else f"{f.attname}__icontains"
                try:
                    if model._default_manager.filter(**{lookup: text}).exists():
                        hits.append(f"{model._meta.label}.{f.name}")
                except Exception as exc:  # a field type the backend cannot search: report it rather than pass
                    hits.append(f"{model._meta.label}.{f.name}: {exc}")
    return hits


def any_user(**kw: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(**kw)


def fresh(p: Personas, name: str) -> Any:
    """A new copy of a persona's user: tests that change passwords must not touch the shared session objects
    (a stale in-memory password would log that persona out of every later test)."""
    return any_user(pk=p.users[name].pk)  # type: ignore[attr-defined]
