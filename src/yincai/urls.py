from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from yincai.api.api import api
from yincai.health import health

admin.site.site_header = "因材 · 后台管理"
admin.site.site_title = "因材后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", include("yincai.web.urls")),
    path("imports/", include("yincai.imports.urls")),
    path("assessments/", include("yincai.assessment.urls")),
    path("accounts/", include("yincai.accounts.urls")),
    path("insight/", include("yincai.insight.urls")),
    path("support/", include("yincai.support.urls")),
    path("family/", include("yincai.family.urls")),
    path("evaluation/", include("yincai.evaluation.urls")),
    path("leadership/", include("yincai.leadership.urls")),
    path("setup/", include("yincai.setup.urls")),
    path("rollover/", include("yincai.rollover.urls")),
    path("homework/", include("yincai.homework.urls")),
    path("itembank/", include("yincai.itembank.urls")),
    path("practice/", include("yincai.practice.urls")),
    path("api/v1/", api.urls),
    path("security/", include("yincai.security.urls")),
    path("retention/", include("yincai.retention.urls")),
    path("homeschool/", include("yincai.homeschool.urls")),
    path("tokens/", include("yincai.apitokens.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]
