"""Once only: what the filer's account or confirmed contact already says, offered as answers.

A service file opts in field by field (`prefill: full_name | phone | email`); nothing is
stored until the person saves the step, so an offered answer is always seen first.
"""

from __future__ import annotations

from guichet.catalog.definition import ServiceDefinition
from guichet.core.actors import Actor, ActorKind


def _known_about(actor: Actor) -> dict[str, str]:
    if actor.kind == ActorKind.CITIZEN and actor.user is not None:
        user = actor.user
        return {"full_name": user.get_full_name(), "phone": user.phone or "", "email": user.email or ""}
    if actor.kind == ActorKind.GUEST and actor.contact:
        return {"email": actor.contact} if "@" in actor.contact else {"phone": actor.contact}
    return {}  # anonymous filers, receipt holders and staff: nothing is known, nothing offered


def offered_answers(definition: ServiceDefinition, actor: Actor) -> dict[str, str]:
    """The answers `actor` need not type again, for the fields of `definition` that ask for them."""
    known = _known_about(actor)
    return {
        field.name: known[field.prefill]
        for field in definition.fields
        if field.prefill is not None and known.get(field.prefill)
    }
