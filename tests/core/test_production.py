"""Production settings: a shared cache, __Host- cookies, idle sessions signed out."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from guichet.core.checks import check_production_backends
from guichet.core.sessions import LAST_SEEN_SESSION_KEY
from tests.factories import CitizenFactory, StaffFactory

PRODUCTION_ENV = {
    "GUICHET_DEPLOYMENT": "production",
    "SECRET_KEY": "test-only-" + "x" * 60,
    "ALLOWED_HOSTS": "guichet.example.tg",
    "GUICHET_BASE_URL": "https://guichet.example.tg",
}


def production_settings(**extra: str) -> str:
    """The settings module as production reads it, in a fresh interpreter."""
    env = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    env.update({**PRODUCTION_ENV, **extra, "DJANGO_SETTINGS_MODULE": "guichet.settings"})
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.CACHES['default']['BACKEND'], "
        "s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def test_production_cookies_carry_the_host_prefix():
    session, csrf, _cache, _health = production_settings(CACHE_URL="redis://cache.internal:6379/0").split()
    assert (session, csrf) == ("__Host-sessionid", "__Host-csrftoken")


def test_database_connections_are_checked_before_reuse():
    *_rest, health = production_settings(CACHE_URL="redis://cache.internal:6379/0").split()
    assert health == "True"


def test_check_deploy_refuses_a_per_process_cache(settings):
    settings.PRODUCTION = True
    for backend in (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ):
        settings.CACHES = {"default": {"BACKEND": backend}}
        errors = check_production_backends(None)
        assert [error.id for error in errors] == ["guichet.E003"]
        assert all(isinstance(error, Error) for error in errors)

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://c:6379/0"}
    }
    assert check_production_backends(None) == []


def test_check_deploy_fails_without_a_shared_cache(settings):
    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with pytest.raises(SystemCheckError, match=r"guichet\.E003"):
        call_command("check", deploy=True, tags=["security"])


def test_the_embedded_run_may_keep_its_cache_in_memory(settings):
    settings.PRODUCTION = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert check_production_backends(None) == []


# --- idle sessions -------------------------------------------------------------------------


def go_idle(client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = time.time() - seconds
    session.save()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_staff_are_signed_out_after_thirty_idle_minutes(client):
    client.force_login(StaffFactory())
    client.get("/healthz")
    go_idle(client, 29 * 60)
    client.get("/healthz")
    assert signed_in(client)

    go_idle(client, 31 * 60)
    client.get("/healthz")

    assert not signed_in(client)


@pytest.mark.django_db
def test_citizens_idle_timeout_is_a_setting(client, settings):
    settings.GUICHET = {**settings.GUICHET, "CITIZEN_IDLE_SECONDS": 2 * 3600}
    client.force_login(CitizenFactory())
    client.get("/healthz")
    go_idle(client, 90 * 60)  # would sign out a staff member, not this citizen
    client.get("/healthz")
    assert signed_in(client)

    go_idle(client, 2 * 3600 + 60)
    client.get("/healthz")

    assert not signed_in(client)


@pytest.mark.django_db
def test_an_active_session_stays_open(client):
    client.force_login(StaffFactory())
    for _request in range(3):
        client.get("/healthz")
        go_idle(client, 20 * 60)
    client.get("/healthz")
    assert signed_in(client)
