"""A guardian's rights over the child's data: download (ZIP of JSON) and deletion on request.

The export holds only rows whose student is the child (queried by `student=child`), never a tier label,
rank or class statistic. The 学习诊断卡 PDF is not included: insight's portrait PDF is a staff document
(it carries tier labels and class comparisons) rendered inside a view, so it is not reused here.

Deletion approved by the admin deletes, for that child: the 家庭情况 (FamilyProfile), every 心理辅导记录
(PsychNote), every 家校联系记录 (HomeContact), the child's named questionnaire answers, and sets every
consent to withdrawn (new rows). The 学籍 (Student, Enrolment), scores, plans and the 转化记载簿 are
school records the school must keep and stay.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from yincai.homeschool.models import (
    PURPOSE_LABELS,
    ConsentRecord,
    DataRequest,
    HomeContact,
    SurveyResponse,
)
from yincai.oversight.services import audit_record
from yincai.school.models import FamilyProfile, Guardian, PsychNote, Staff, Student

PLAN_PRIVATE_FIELDS = {"causes", "cause_notes"}  # 原因分析: only when the teacher shared it


def _value(v: Any) -> Any:
    if isinstance(v, datetime.datetime | datetime.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, models.Model):
        return str(v)
    return v


def _rows(qs: Any, *, skip: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    out = []
    for obj in qs:
        row: dict[str, Any] = {}
        for f in obj._meta.concrete_fields:
            if f.name in skip or f.name == "id":
                continue
            if f.is_relation:
                if f.related_model is Student:
                    continue  # the child itself
                target = getattr(obj, f.name)
                row[str(f.verbose_name)] = str(target) if target is not None else None
            else:
                row[str(f.verbose_name)] = _value(getattr(obj, f.attname))
        out.append(row)
    return out


def child_records(student: Student) -> dict[str, Any]:
    """Every record of the child a guardian may receive, as JSON-ready data."""
    from yincai.assessment.models import ItemScore
    from yincai.insight.models import KPMastery
    from yincai.support.models import Award, PlanGoal, PlanReview, PointsEntry, ProgressEntry, SupportPlan

    plans = []
    for plan in SupportPlan.objects.filter(student=student).select_related("subject", "term"):
        skip: set[str] = set() if plan.causes_shared else PLAN_PRIVATE_FIELDS
        row = _rows([plan], skip=skip)[0]
        row["目标"] = _rows(PlanGoal.objects.filter(plan=plan))
        row["复查小结"] = _rows(PlanReview.objects.filter(plan=plan))
        plans.append(row)
    scores = [
        {"测评": s.item.assessment.name, "日期": s.item.assessment.date.isoformat(), "学科": str(s.item.assessment.subject),
         "题号": s.item.label, "得分": float(s.score) if s.score is not None else None,
         "满分": float(s.item.max_score)}
        for s in ItemScore.objects.filter(student=student).select_related("item__assessment__subject")
    ]
    mastery = [
        {"知识点": str(m.knowledge_point), "学期": str(m.term), "方法": m.get_method_display(),
         "掌握概率": round(m.prob, 3), "知识点得分率": m.score_rate}
        for m in KPMastery.objects.filter(student=student).select_related("knowledge_point", "term")
    ]
    return {
        "学生": {"姓名": student.name, "学号": student.student_no, "性别": student.get_gender_display(),
               "出生日期": student.birth_date.isoformat() if student.birth_date else None},
        "学籍": [{"学期": str(e.term), "班级": str(e.school_class)}
               for e in student.enrolments.select_related("term", "school_class__grade")],
        "监护人": [{"姓名": link.guardian.name, "关系": link.relation_label}
                for link in student.guardian_links.select_related("guardian")],
        "成绩": scores,
        "知识点掌握": mastery,
        "帮扶计划": plans,
        "转化记载簿": _rows(ProgressEntry.objects.filter(student=student)),
        "表彰": _rows(Award.objects.filter(student=student)),
        "积分": _rows(PointsEntry.objects.filter(student=student)),
        "家庭情况": _rows(FamilyProfile.objects.filter(student=student)),
        "心理辅导记录": _rows(PsychNote.objects.filter(student=student)),
        "家校联系": _rows(HomeContact.objects.filter(student=student)),
        "授权记录": [{"用途": PURPOSE_LABELS[c.purpose], "同意": c.granted, "政策版本": c.policy_version,
                  "时间": c.at.isoformat()} for c in ConsentRecord.objects.filter(student=student)],
        "删除申请": _rows(DataRequest.objects.filter(student=student)),
    }


def export_zip(*, student: Student, guardian: Guardian) -> bytes:
    """The ZIP a guardian downloads (audited)."""
    if not guardian.links.filter(student=student).exists():
        raise ValidationError("只有该学生的监护人可以下载其数据")
    data = child_records(student)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("child.json", json.dumps(data, ensure_ascii=False, indent=2))
        zf.writestr("说明.txt", "本文件包含学校保存的该学生个人信息（JSON）。不含排名、分层等级与班级统计。\n"
                               "学习诊断卡 PDF 为教师工作文件，暂不包含在导出中。\n")
    audit_record(action="export", model="学生数据导出", object_id=student.pk, student_id=student.pk,
                 detail=f"监护人 {guardian.name} 下载了孩子的数据")
    return buf.getvalue()


@transaction.atomic
def deletion_request(*, student: Student, guardian: Guardian, reason: str = "") -> DataRequest:
    if not guardian.links.filter(student=student).exists():
        raise ValidationError("只有该学生的监护人可以申请删除")
    if DataRequest.objects.filter(student=student, status="pending").exists():
        raise ValidationError("已有一份待处理的删除申请")
    return DataRequest.objects.create(student=student, guardian=guardian, reason=reason.strip()[:1000])


@transaction.atomic
def deletion_decide(*, request: DataRequest, approve: bool, admin: Staff, reason: str) -> DataRequest:
    """Approve (delete the sensitive data defined above) or refuse (a reason is required)."""
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != "pending":
        raise ValidationError("该申请已处理")
    if not approve and not reason.strip():
        raise ValidationError("拒绝删除申请必须写明理由")
    student = request.student
    summary = ""
    if approve:
        family, _ = FamilyProfile.objects.filter(student=student).delete()
        psych, _ = PsychNote.objects.filter(student=student).delete()
        contacts, _ = HomeContact.objects.filter(student=student).delete()
        answers, _ = SurveyResponse.objects.filter(student=student).delete()
        for purpose in PURPOSE_LABELS:
            ConsentRecord.objects.create(student=student, guardian=request.guardian, purpose=purpose, granted=False)
        summary = (f"已删除：家庭情况 {family} 条、心理辅导记录 {psych} 条、家校联系 {contacts} 条、"
                   f"实名问卷答卷 {answers} 份；全部授权已撤回。学籍、成绩与帮扶记录按规定保留。")
    request.status = "approved" if approve else "refused"
    request.decision_reason = reason.strip()
    request.decided_by = admin
    request.decided_at = timezone.now()
    request.summary = summary
    request.save()
    audit_record(action="delete" if approve else "update", model="数据删除申请", object_id=request.pk,
                 student_id=student.pk, detail=summary or f"拒绝：{reason.strip()}")
    return request
