"""Term summary reports (学期培优辅差工作总结) for the school or one class, as DOCX and PDF.

The figures come from the dashboard (confirmed tiers, 转化率, movers, plans, alerts), the A/B studies and
the commendations proposed from measured progress (never raw rank). Charts are drawn with matplotlib
(Noto CJK from Debian's fonts-noto-cjk) and embedded as PNG. Both files are stored with the report, so
they stay downloadable after the school moves to the next term.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from yincai.evaluation.dashboard import FIGURES, GroupFigures, dashboard
from yincai.evaluation.models import TermReport
from yincai.evaluation.selectors import study_report
from yincai.oversight.services import audit_record
from yincai.school.models import SchoolClass, Staff, Subject, Term
from yincai.support.selectors import progress_award_suggestions

CJK_FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
             Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")]
KIND_LABELS = {"most_improved": "进步之星（进步最快）", "progress": "学业进步生"}


@dataclass
class ReportData:
    title: str
    school: str
    term: str
    subject: str
    scope: str
    summary: GroupFigures
    rows: list[tuple[str, GroupFigures]]
    commendations: list[dict[str, str]] = field(default_factory=list)
    studies: list[dict[str, str]] = field(default_factory=list)
    chart_png: bytes = b""

    def figure_rows(self) -> list[tuple[str, str]]:
        s = self.summary
        rate = f"{s.conversion_rate:.0%}" if s.conversion_rate is not None else "—（无已确认的期初学困生）"
        return [("学生人数", str(s.n_students)), ("转化率（学困生离开学困层）", rate),
                *[(FIGURES[k], str(len(s.students[k]))) for k in ("moved_up", "moved_down", "plans_active",
                                                                    "plans_overdue", "alerts_open")]]


def _tier_chart(rows: list[tuple[str, GroupFigures]]) -> bytes:
    """Grouped bars: each tier's count at 期初 and now, per grade or class."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = next((f for f in CJK_FONTS if f.exists()), None)
    prop = font_manager.FontProperties(fname=str(font)) if font else None
    labels = [name for name, _ in rows] or ["—"]
    tiers = rows[0][1].tier_rows() if rows else []
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=150)
    width = 0.8 / max(1, 2 * len(tiers))
    colors = ["#2f7ed8", "#8bbc21", "#f28f43", "#c42525"]
    for k, tier in enumerate(tiers):
        initial = [g.tier_rows()[k]["initial"] for _, g in rows]
        now = [g.tier_rows()[k]["now"] for _, g in rows]
        xs = [i + (2 * k) * width for i in range(len(rows))]
        ax.bar(xs, initial, width, color=colors[k], alpha=0.4, label=f"{tier['label']}·期初")
        ax.bar([x + width for x in xs], now, width, color=colors[k], label=f"{tier['label']}·当前")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))])
    ax.set_xticklabels(labels, fontproperties=prop)
    ax.set_ylabel("人数", fontproperties=prop)
    ax.legend(prop=prop, fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def report_data(user: Any, *, term: Term, subject: Subject, klass: SchoolClass | None = None) -> ReportData:
    board = dashboard(user, term=term, subject=subject)
    if klass is None:
        summary, rows, scope = board.school, [(gf.label, gf) for gf, _ in board.grades], "全校"
        classes = [k for _, ks in board.grades for k, _ in ks]
    else:
        found = [(k, cf) for _, ks in board.grades for k, cf in ks if k.pk == klass.pk]
        if not found:
            raise PermissionError("该班级不在您的查看范围内")
        summary, rows, scope, classes = found[0][1], [(klass.name, found[0][1])], klass.name, [klass]
    commendations = []
    for k in classes:
        for s in progress_award_suggestions(k, subject):
            commendations.append({"klass": k.name, "student": s.student.name, "award": KIND_LABELS.get(s.kind, s.kind),
                                  "evidence": s.evidence})
    from yincai.evaluation.selectors import studies_visible_to

    studies = []
    for study in studies_visible_to(user, term).filter(subject=subject):
        if klass is not None and not study.classes.filter(pk=klass.pk).exists():
            continue
        rep = study_report(study)
        studies.append({"name": study.name, "summary": rep.result.summary if rep.result else "尚未指定后测"})
    data = ReportData(title=f"{term.school.name}{scope}{subject.name}培优辅差学期工作总结", school=term.school.name,
                      term=term.name, subject=subject.name, scope=scope, summary=summary, rows=rows,
                      commendations=commendations, studies=studies)
    data.chart_png = _tier_chart(rows)
    return data


def render_docx(data: ReportData) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    doc.add_heading(data.title, level=1)
    doc.add_paragraph(f"学校：{data.school}　学期：{data.term}　学科：{data.subject}　范围：{data.scope}")
    doc.add_heading("一、主要数据", level=2)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in data.figure_rows():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("二、分层变化（期初 → 当前）", level=2)
    doc.add_picture(io.BytesIO(data.chart_png), width=Cm(16))
    grid = doc.add_table(rows=1, cols=6)
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, ["", "培优", "中等", "边缘", "学困", "转化率"], strict=True):
        cell.text = text
    for name, g in data.rows:
        cells = grid.add_row().cells
        cells[0].text = name
        for i, r in enumerate(g.tier_rows()):
            cells[i + 1].text = f"{r['initial']} → {r['now']}"
        cells[5].text = f"{g.conversion_rate:.0%}" if g.conversion_rate is not None else "—"
    doc.add_heading("三、表彰建议（依据测得的进步，非排名）", level=2)
    if not data.commendations:
        doc.add_paragraph("本学期暂无可依据的进步数据。")
    for c in data.commendations:
        doc.add_paragraph(f"{c['klass']} {c['student']}：{c['award']}（{c['evidence']}）", style="List Bullet")
    doc.add_heading("四、策略对比实验", level=2)
    if not data.studies:
        doc.add_paragraph("本学期未开展策略对比实验。")
    for s in data.studies:
        doc.add_paragraph(f"{s['name']}：{s['summary']}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML

    html = render_to_string("evaluation/report_pdf.html", {
        "d": data, "chart": base64.b64encode(data.chart_png).decode(), "figures": data.figure_rows()})
    return bytes(HTML(string=html).write_pdf())


@transaction.atomic
def term_report_request(*, user: Any, author: Staff, term: Term, subject: Subject,
                        klass: SchoolClass | None = None) -> TermReport:
    """Queue a report for the task worker (the page does not wait for charts and PDF) and return its row."""
    from yincai.evaluation.tasks import term_report_task
    from yincai.jobs.api import enqueue

    scope = klass.name if klass else "全校"
    report = TermReport.objects.create(term=term, subject=subject, school_class=klass, created_by=author,
                                       title=f"{term.name} {scope} {subject.name} 培优辅差工作总结", status="queued")
    enqueue(term_report_task, report.pk)
    return report


def run_term_report(report_id: int) -> TermReport:
    """Build the queued report's DOCX and PDF, as its author sees the figures, and keep both with the term."""
    from yincai.oversight.context import Actor, current_actor

    report = TermReport.objects.select_related("term", "subject", "school_class", "created_by__user").get(pk=report_id)
    TermReport.objects.filter(pk=report.pk).update(status="running", error="")
    user = report.created_by.user
    token = current_actor.set(Actor(user=user, ip=None, path=f"task:term_report/{report.pk}"))
    try:
        with transaction.atomic():
            data = report_data(user, term=report.term, subject=report.subject, klass=report.school_class)
            TermReport.objects.filter(pk=report.pk).update(title=data.title, docx=render_docx(data),
                                                           pdf=render_pdf(data), status="done")
            audit_record(action="export", model="学期工作总结", object_id=report.pk, detail=data.title)
    except Exception as exc:  # the page shows the failure; nothing half-written is offered for download
        TermReport.objects.filter(pk=report.pk).update(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        current_actor.reset(token)
    report.refresh_from_db()
    return report


def term_report_generate(*, user: Any, author: Staff, term: Term, subject: Subject,
                         klass: SchoolClass | None = None) -> TermReport:
    """Queue and build a report here and now (command-line tools and tests)."""
    report = term_report_request(user=user, author=author, term=term, subject=subject, klass=klass)
    return run_term_report(report.pk)
