"""Admin: homeschool models (consent history read-only), and consent enforced on the school admin's
家庭情况 and 心理辅导记录 forms (a child under 14 without the guardian's consent cannot be written)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from yincai.admin_registry import register_app_models
from yincai.homeschool.consent import consent_refusal
from yincai.school.models import FamilyProfile, PsychNote


def _consent_form(purpose: str) -> type[forms.ModelForm]:
    class ConsentForm(forms.ModelForm):  # the admin builds the fields (modelform_factory); this adds the check
        def clean(self) -> dict[str, Any]:
            data = super().clean()
            student = data.get("student") or getattr(self.instance, "student", None)
            if student is not None:
                reason = consent_refusal(student, purpose)
                if reason:
                    raise forms.ValidationError(reason)
            return data

    return ConsentForm


for _model, _purpose in ((FamilyProfile, "family"), (PsychNote, "psych")):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"{_model.__name__}ConsentAdmin", (admin.ModelAdmin,), {
        "form": _consent_form(_purpose), "raw_id_fields": ["student"] + (["author"] if _model is PsychNote else []),
        "list_display": ["__str__"],
    }))

register_app_models("homeschool", read_only=("ConsentRecord", "SurveyReceipt", "SurveyResponse"))
