"""The bare view http_ratio.py compares Guichet with: Guichet's own settings, one tiny view.

Used as DJANGO_SETTINGS_MODULE and as the URLconf at once. Everything a request crosses
before a view (the middleware, sessions, security headers, the production settings) is the
same as Guichet's; only the page's own work is missing, so the ratio measures the pages.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from guichet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_site"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"Hello, world!", content_type="text/plain")


urlpatterns = [path("", hello)]
