from __future__ import annotations

from yincai.admin_registry import register_app_models

register_app_models("practice")
