from __future__ import annotations

from django.urls import path

from yincai.itembank import views

app_name = "itembank"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("new/", views.create, name="create"),
    path("items/<int:bank_item_id>/", views.edit, name="edit"),
    path("generate/", views.generate, name="generate"),
    path("import/", views.upload, name="upload"),
    path("import/<int:item_import_id>/", views.import_detail, name="import_detail"),
    path("import/<int:item_import_id>/confirm/", views.import_commit, name="import_confirm"),
    path("kps/", views.kp_search, name="kp_search"),
]
