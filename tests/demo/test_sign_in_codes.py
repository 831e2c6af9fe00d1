"""The demo's page of sign-in codes: only the demo numbers, only in the demo."""

from __future__ import annotations

import importlib
import re

import pytest
from django.urls import Resolver404, clear_url_caches, resolve

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose
from guichet.accounts.services import request_code
from guichet.notifications.models import Notification

pytestmark = pytest.mark.django_db

DEMO_PHONE = "+22890000001"
REAL_PHONE = "+22891234567"


def reload_urls() -> None:
    import guichet.demo.urls
    import guichet.urls

    importlib.reload(guichet.demo.urls)
    importlib.reload(guichet.urls)
    clear_url_caches()


@pytest.fixture
def demo_off(settings):
    """GUICHET_DEMO off, as in production, with the URLs built afresh from it."""
    settings.GUICHET_DEMO = False
    reload_urls()
    yield
    settings.GUICHET_DEMO = True
    reload_urls()


def test_the_page_lists_recent_codes_sent_to_demo_numbers_only(client):
    request_code(Contact("phone", DEMO_PHONE), purpose=CodePurpose.SIGN_IN, language="en")
    request_code(Contact("phone", REAL_PHONE), purpose=CodePurpose.SIGN_IN, language="en")
    demo_message = Notification.objects.get(recipient=DEMO_PHONE)
    real_message = Notification.objects.get(recipient=REAL_PHONE)

    page = client.get("/demo/codes/")

    assert page.status_code == 200
    code = re.search(r"\b\d{6}\b", demo_message.body)
    assert code, "the demo keeps the code in the message"
    assert code.group() in page.content.decode()
    assert demo_message.body in page.content.decode()
    assert real_message.body not in page.content.decode()
    assert b"+228 91 23 45 67" not in page.content


def test_the_page_does_not_exist_when_the_demo_is_off(client, demo_off):
    request_code(Contact("phone", DEMO_PHONE), purpose=CodePurpose.SIGN_IN, language="en")

    with pytest.raises(Resolver404):
        resolve("/demo/codes/")
    assert client.get("/demo/codes/").status_code == 404


def test_production_settings_turn_the_demo_off_whatever_the_environment_says():
    import os
    import subprocess
    import sys

    from django.conf import settings

    probe = (
        "import django; django.setup();"
        "from django.conf import settings; from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/demo/codes/'); print('mounted', settings.GUICHET_DEMO)\n"
        "except Resolver404:\n    print('absent', settings.GUICHET_DEMO)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
        "GUICHET_DEPLOYMENT": "production",
        "GUICHET_DEMO": "1",
        "SECRET_KEY": "test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "guichet.example.tg",
        "GUICHET_BASE_URL": "https://guichet.example.tg",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == "absent False", result.stderr
