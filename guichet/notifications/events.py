"""The kinds of message Guichet writes, and which of them carry a secret.

A message that carries a secret (a sign-in code, a receipt code, anything that opens a
door) is never shown to staff, whatever its state: the back-office outbox leaves it out
and the admin hides its recipient and body. Whether a kind is secret is decided here,
once, not by each caller. A kind missing from this table is treated as secret (closed by
default) until it is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class MessageKind:
    event: str
    secret: bool = False


_KINDS: Final = (
    MessageKind("one_time_code", secret=True),
    MessageKind("dossier_submitted"),
    MessageKind("dossier_info_requested"),
    MessageKind("dossier_approved"),
    MessageKind("dossier_rejected"),
    MessageKind("dossier_answered"),
    MessageKind("dossier_withdrawn"),
    MessageKind("dossier_message"),
    MessageKind("dossier_quote_proposed"),
    MessageKind("payment_received"),  # amount and receipt number: nothing that opens a door
    MessageKind("permit_issued"),  # the permit's number and a link to the file (sign-in needed)
    MessageKind("permit_revoked"),  # the number and the supervisor's reason
    # Says only that reports wait, but when one came in is itself worth hiding from staff views.
    MessageKind("denunciation_new_work", secret=True),
)
MESSAGE_KINDS: Final[dict[str, MessageKind]] = {kind.event: kind for kind in _KINDS}


def is_secret(event: str) -> bool:
    """Whether messages of `event` must stay out of every staff view (unknown kinds do)."""
    kind = MESSAGE_KINDS.get(event)
    return kind is None or kind.secret
