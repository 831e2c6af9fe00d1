"""Start-up checks: every workflow table is sound before a file can follow it."""

from __future__ import annotations

from typing import Any

from django.core import checks

from guichet.dossiers.states import workflow_problems, workflows


@checks.register()
def check_workflows(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each registered workflow: states reachable, closing states without exit, a way to close."""
    return [
        checks.Error(problem, hint="Fix the table in guichet/dossiers/states.py.", id="dossiers.E001")
        for _name, table in workflows.items()
        for problem in workflow_problems(table)
    ]
