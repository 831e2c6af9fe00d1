"""Demo pages: mounted only when GUICHET_DEMO is on, so they do not exist anywhere else."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, path

from guichet.demo import views

app_name = "demo"

urlpatterns: list[URLPattern] = (
    [path("codes/", views.sign_in_codes, name="sign_in_codes")] if settings.GUICHET_DEMO else []
)
