"""Registers every model of an app in the Chinese Django admin (for 校长/教导处 superusers only)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin


def register_app_models(app_label: str, *, read_only: tuple[str, ...] = ()) -> None:
    for model in apps.get_app_config(app_label).get_models():
        if admin.site.is_registered(model):
            continue
        fk_fields = [f.name for f in model._meta.fields if f.many_to_one or f.one_to_one]
        attrs: dict[str, object] = {
            "list_display": ["__str__"] + [f.name for f in model._meta.fields if f.name in ("date", "at", "term")][:2],
            "raw_id_fields": fk_fields,
            "list_per_page": 50,
        }
        if model.__name__ in read_only:
            attrs.update(
                has_add_permission=lambda self, request: False,
                has_change_permission=lambda self, request, obj=None: False,
                has_delete_permission=lambda self, request, obj=None: False,
            )
        admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), attrs))
