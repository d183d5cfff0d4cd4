from __future__ import annotations

from django.urls import path

from yincai.apitokens import views

app_name = "apitokens"
urlpatterns = [
    path("", views.tokens, name="tokens"),
]
