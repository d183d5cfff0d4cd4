from __future__ import annotations

import datetime
from typing import Any

from django import forms

from yincai.curriculum.services import STANDARD_SUBJECTS, SUBJECT_CATALOGUE
from yincai.school.models import GRADE_NAMES
from yincai.setup.services import suggested_term


class SetupForm(forms.Form):
    """The first-run page; all rules beyond "filled in and a date" live in the service (setup.services)."""

    school_name = forms.CharField(label="学校名称", max_length=100, error_messages={"required": "请填写学校名称"})
    school_code = forms.CharField(label="学校代码", max_length=30, error_messages={"required": "请填写学校代码"},
                                  help_text="字母、数字、- 或 _，如教育部学校标识码")
    term_name = forms.CharField(label="当前学期", max_length=50, error_messages={"required": "请填写学期名称"})
    start_date = forms.DateField(label="学期开始日期", input_formats=["%Y-%m-%d", "%Y/%m/%d"],
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"required": "请填写开始日期",
                                                 "invalid": "开始日期无效，请按 YYYY-MM-DD 填写，例如 2026-09-01"})
    end_date = forms.DateField(label="学期结束日期", input_formats=["%Y-%m-%d", "%Y/%m/%d"],
                               widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"required": "请填写结束日期",
                                               "invalid": "结束日期无效，请按 YYYY-MM-DD 填写，例如 2027-01-31"})
    grades = forms.TypedMultipleChoiceField(
        label="开设的年级", coerce=int, choices=sorted(GRADE_NAMES.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个年级"},
    )
    subjects = forms.MultipleChoiceField(
        label="开设的学科", choices=SUBJECT_CATALOGUE, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个学科"},
    )
    admin_username = forms.CharField(label="管理员用户名", max_length=150, error_messages={"required": "请填写用户名"})
    admin_name = forms.CharField(label="管理员姓名", max_length=50, required=False)
    admin_password = forms.CharField(label="密码", widget=forms.PasswordInput, strip=False,
                                     error_messages={"required": "请填写密码"})
    admin_password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput, strip=False,
                                      error_messages={"required": "请再次输入密码"})

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        name, start, end = suggested_term(today)
        kwargs.setdefault("initial", {
            "term_name": name, "start_date": start, "end_date": end,
            "grades": sorted(GRADE_NAMES), "subjects": STANDARD_SUBJECTS,
        })
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("admin_password"), data.get("admin_password2")
        if first and second and first != second:
            self.add_error("admin_password2", "两次输入的密码不一致")
        return data
