from __future__ import annotations

from yincai.admin_registry import register_app_models

# Read-only: a token is created and revoked on its owner's page (the secret is shown once, only a hash is kept).
register_app_models("apitokens", read_only=("ApiToken",))
