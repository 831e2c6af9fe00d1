"""Start-up checks: production refuses Argon2id costs lowered for tests; a warning when the
tools that clean videos and recordings of their metadata are missing, or (at deployment) when
they are there but cannot clean a recording (decision 0031)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

# OWASP's floor for Argon2id: 19 MiB of memory and 2 passes.
MIN_OPSLIMIT = 2
MIN_MEMLIMIT_KIB = 19 * 1024


@register()
def argon2_costs(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    conf = settings.GUICHET_DENUNCIATIONS
    if int(conf["KDF_OPSLIMIT"]) < MIN_OPSLIMIT or int(conf["KDF_MEMLIMIT_KIB"]) < MIN_MEMLIMIT_KIB:
        return [
            Error(
                "Denunciation keys and receipt codes need Argon2id with at least 2 passes and 19 MiB.",
                hint="Raise GUICHET_DENUNCIATION_KDF_OPSLIMIT / GUICHET_DENUNCIATION_KDF_MEMLIMIT_KIB.",
                id="denunciations.E001",
            )
        ]
    return []


@register()
def evidence_cleaning_tools(app_configs: Any, **kwargs: Any) -> list[Warning]:
    from guichet.denunciations.tools import missing_tools

    missing = missing_tools()
    if not missing:
        return []
    return [
        Warning(
            f"Denunciations refuse videos and sound recordings: {', '.join(missing)} not found on PATH.",
            hint="Install Debian's mat2 and ffmpeg (apt-get install mat2 ffmpeg): they remove the place "
            "and the phone from evidence files. Photos and PDFs are still taken.",
            id="denunciations.W001",
        )
    ]


@register(deploy=True)
def evidence_cleaning_works(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """At deployment, clean one tiny recording for real: mat2 can be installed and still fail
    (it runs its tools inside bubblewrap when bwrap is present, and some containers refuse it)."""
    from guichet.denunciations.evidence import self_test
    from guichet.denunciations.tools import missing_tools

    if missing_tools():
        return []  # W001 already says so
    problem = self_test()
    if problem is None:
        return []
    return [
        Warning(
            f"Denunciations refuse videos and sound recordings: {problem}.",
            hint="Run `mat2 --check-dependencies` and clean a file by hand as the web server's user; "
            "where bubblewrap cannot start (a container without user namespaces) allow them or "
            "remove the bubblewrap package.",
            id="denunciations.W002",
        )
    ]
