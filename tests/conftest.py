from __future__ import annotations

import copy
import functools
import os

import pytest

# Playwright's sync API runs an event loop; the ORM must still be usable beside it (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_environment(settings, tmp_path):
    """Tasks run in-process at commit (a test sees a use case's whole effect); files go to a temp dir."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"  # demo-logins.txt and the like never land in the work tree
    # The real hasher costs 0.6 s a password here (most of the suite's time went to it); what
    # these tests prove does not depend on the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages speak French (the product default) but tests read our English msgids: the
    # project's own catalogue is left out here, so a wording change in French never breaks
    # a behaviour test. The `project_translations` fixture brings it back where it matters.
    settings.LOCALE_PATHS = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, let the runner flush the test database although the audit table refuses TRUNCATE.

    The audit trigger (audit.0003) lets a TRUNCATE through only when the session says
    `guichet.audit_flush = on`; the test database says it for every new connection.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
                    "SET guichet.audit_flush = 'on'"
                )
            connection.close()  # the setting applies to the connections opened from now on


@pytest.fixture(scope="session", autouse=True)
def _parse_each_catalogue_file_once():
    """Most tests load the same catalogue files: parse each text once per session.

    Parsing the YAML was most of the 0.1 s a catalogue load costs, paid again by every test
    that files a dossier. Loading still runs whole (definitions checked, rows written, audit
    recorded); only the parse of a text already read is reused, as a fresh copy each time.
    """
    from guichet.catalog import services as catalog

    read_yaml = catalog.read_yaml
    parsed = functools.cache(read_yaml)
    catalog.read_yaml = lambda source: copy.deepcopy(parsed(source))
    yield
    catalog.read_yaml = read_yaml


@pytest.fixture
def project_translations(settings):
    """The project's French and English catalogues, as the product runs."""
    from django.conf import settings as live

    settings.LOCALE_PATHS = [live.BASE_DIR / "guichet" / "locale"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite on SQLite and on PostgreSQL side by side: a test marked `once`
    does the same work on both (a benchmark script, a media file through mat2), so the second
    run, told by GUICHET_TESTS_SKIP_ONCE, leaves it to the first. A run by hand runs it."""
    if not os.environ.get("GUICHET_TESTS_SKIP_ONCE"):
        return
    skip = pytest.mark.skip(reason="does not touch the database: run once, in the SQLite run")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
