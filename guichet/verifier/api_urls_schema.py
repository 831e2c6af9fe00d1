"""Only the partner API, for the OpenAPI schema (the rest of the site is HTML)."""

from django.urls import include, path

urlpatterns = [path("api/verification/", include("guichet.verifier.api_urls"))]
