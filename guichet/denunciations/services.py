"""Denunciation use cases: with keyring.py (the keys), the only code that writes reports, messages
and files.

Rules held here (issue 10, decisions 0023 and 0024):
- nothing identifying the reporter is stored: no account, address, browser string or time
  of day; days only;
- contents are sealed to the report's key; only inspectors (and the offline recovery key)
  hold that key, each sealed to their own public key; the reporter holds it through the
  receipt code;
- a report is never granted to, nor readable by, an inspector of the unit it accuses;
- the reporter's own actions are not audited (an audit row carries the exact time);
  every inspector's read, file, identity and decision is.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guichet.accounts.models import Unit, User
from guichet.accounts.roles import Role
from guichet.audit.services import record
from guichet.core import ratelimit
from guichet.core.actors import SYSTEM, Actor
from guichet.core.errors import InvalidInput, NotFound, PermissionRefused, RateLimited
from guichet.denunciations import codes, crypto
from guichet.denunciations.access import (
    conf,
    inspection_unit,
    is_conflicted,
    is_inspector,
)
from guichet.denunciations.evidence import EXTENSIONS, PreparedFile, prepare_evidence
from guichet.denunciations.keyring import (
    Unlocked,
    as_bytes,
    busy_message,
    grant_everyone,
    own_grant,
    site_keys,
    today,
)
from guichet.denunciations.models import (
    Author,
    Evidence,
    IdentityApproval,
    KeyGrant,
    Message,
    Mode,
    Outcome,
    Report,
    ReportState,
)

MAX_MESSAGE_LENGTH = 5000

S = ReportState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.UNDER_INVESTIGATION, S.CLOSED}),
    S.UNDER_INVESTIGATION: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


# --- receipt codes ------------------------------------------------------------


def _receipt_lookup(code: str, *, wait: float | None = None) -> str:
    keys = site_keys()
    return crypto.lookup_hash(
        code, as_bytes(keys.receipt_salt), keys.receipt_opslimit, keys.receipt_memlimit_kib, wait=wait
    )


# --- filing ---------------------------------------------------------------------------------

# Evidence is checked and cleaned in evidence.py; the views call it through this module.
__all__ = ["PreparedFile", "prepare_evidence"]


def _store_evidence(report: Report, prepared: PreparedFile, *, added_by: Author, number: int) -> Evidence:
    public_key = as_bytes(report.public_key)

    def save(data: bytes) -> str:
        return default_storage.save(
            f"denunciations/{secrets.token_hex(16)}.bin", ContentFile(crypto.seal(public_key, data))
        )

    details = {
        # A neutral name: a phone's file name often carries the time the photo was taken.
        "name": f"{_('evidence')}-{number}.{prepared.clean_ext or EXTENSIONS[prepared.kind]}",
        "original_name": f"{_('evidence')}-{number}.{EXTENSIONS[prepared.kind]}",
        "kind": prepared.kind,
        "media": prepared.media,
        "content_type": prepared.content_type,
        "original_content_type": prepared.original_content_type or prepared.content_type,
        "duration": prepared.duration,
        "original_size": len(prepared.original),
        "clean_size": len(prepared.clean),
        "sha256": prepared.sha256,
    }
    return Evidence.objects.create(
        report=report,
        added_by=added_by,
        details=crypto.seal(public_key, json.dumps(details).encode()),
        original_path=save(prepared.original),
        clean_path=save(prepared.clean),
        added_on=today(),
    )


def _seal_json(public_key: bytes, data: dict[str, Any]) -> bytes:
    return crypto.seal(public_key, json.dumps(data, ensure_ascii=False).encode())


@dataclass(frozen=True)
class Filed:
    report: Report
    receipt_code: str  # formatted; shown once, stored nowhere


def accused_unit_for(force: str) -> Unit | None:
    """The unit a report about `force` accuses (police, gendarmerie), if the ministry has it."""
    if force not in {"police", "gendarmerie"}:
        return None
    return Unit.objects.filter(code=force).first()


def file_report(
    *,
    mode: Mode,
    facts: dict[str, Any],
    identity: dict[str, Any] | None = None,
    files: list[PreparedFile] | tuple[PreparedFile, ...] = (),
) -> Filed:
    """File a report: everything sealed, a receipt code returned once, inspectors told later."""
    if mode == Mode.CONFIDENTIAL and not identity:
        raise InvalidInput(_("A confidential report needs your identity. Fill it in, or report anonymously."))
    if len(files) > int(conf("MAX_FILES")):
        raise InvalidInput(_("Send at most %(count)s files.") % {"count": conf("MAX_FILES")})
    code = codes.new_code()
    keys = crypto.KeyPair.generate()
    receipt_salt = crypto.new_salt()
    ops, mem_kib = crypto.costs()
    try:  # the two Argon2id derivations, before any row is locked
        receipt_lookup = _receipt_lookup(code)
        reporter_copy = crypto.lock(crypto.derive_key(code, receipt_salt, ops, mem_kib), keys.private)
    except crypto.Busy:
        raise InvalidInput(busy_message(_("Your report was not sent; it is still on this page."))) from None
    with transaction.atomic(durable=True):
        report = Report(
            public_id=secrets.token_urlsafe(12),
            mode=mode,
            accused_unit=accused_unit_for(str(facts.get("force", ""))),
            filed_on=today(),
            public_key=keys.public,
            facts=_seal_json(keys.public, facts),
            receipt_lookup=receipt_lookup,
            receipt_salt=receipt_salt,
            kdf_opslimit=ops,
            kdf_memlimit_kib=mem_kib,
            reporter_copy=reporter_copy,
        )
        identity_keys = None
        if mode == Mode.CONFIDENTIAL and identity:
            identity_keys = crypto.KeyPair.generate()
            report.identity_public_key = identity_keys.public
            report.identity = _seal_json(identity_keys.public, identity)
        report.save()
        grant_everyone(report, keys.private, identity_keys.private if identity_keys else None)
        for number, prepared in enumerate(files, start=1):
            _store_evidence(report, prepared, added_by=Author.REPORTER, number=number)
    return Filed(report=report, receipt_code=codes.format_code(code))


# --- the reporter, back with the receipt code -----------------------------------------------


def _receipt_key(bucket: str) -> str:
    return f"den-receipt:{bucket}"


def open_with_receipt(raw_code: str, *, bucket: str) -> tuple[Report, bytes]:
    """The report and its private key for whoever types its receipt code.

    A malformed code is refused before any hashing. `bucket` is a coarse, keyed digest of
    the connection (privacy.bucket), never the address: wrong codes from it wait longer and
    longer, up to an hour; the right code from elsewhere is never held back.
    """
    code = codes.normalise(raw_code)
    if code is None:
        raise InvalidInput(
            _("A receipt code is 16 digits, in four groups of four. Check it and type it again.")
        )
    key = _receipt_key(bucket)
    wait = ratelimit.wait_seconds(key)
    if wait > 0:
        raise RateLimited(_wait_message(wait))
    patience = float(conf("RECEIPT_WAIT_SECONDS"))
    try:
        report = Report.objects.filter(receipt_lookup=_receipt_lookup(code, wait=patience)).first()
        private_key = None
        if report is not None:
            try:
                opening = crypto.derive_key(
                    code,
                    as_bytes(report.receipt_salt),
                    report.kdf_opslimit,
                    report.kdf_memlimit_kib,
                    wait=patience,
                )
                private_key = crypto.unlock(opening, as_bytes(report.reporter_copy))
            except crypto.CryptoError:
                private_key = None
    except crypto.Busy:
        # Not a wrong code: nothing counts against this connection.
        raise RateLimited(busy_message(_("Your code was not checked."))) from None
    if report is None or private_key is None:
        ratelimit.slow_down(key, free_attempts=int(conf("RECEIPT_FREE_ATTEMPTS")))
        raise NotFound(
            _("No report matches this code. Check the 16 digits and try again; wrong codes make you wait.")
        )
    return report, private_key


def _wait_message(seconds: int) -> str:
    if seconds < 120:
        return _("Too many wrong codes. Wait %(n)s seconds, then try again.") % {"n": seconds}
    return _("Too many wrong codes. Wait %(n)s minutes, then try again.") % {"n": (seconds + 59) // 60}


def refuse_receipt_code_in(report: Report, text: str) -> None:
    """Refuse a text holding the report's own receipt code: a watched message must not give it away."""
    for candidate in codes.codes_in(text):
        try:
            found = _receipt_lookup(candidate)
        except crypto.Busy:
            raise InvalidInput(
                busy_message(_("Your message was not sent; it is still on this page."))
            ) from None
        if found == report.receipt_lookup:
            raise InvalidInput(
                _(
                    "Your message contains your receipt code. Never write it in a message: "
                    "anyone who sees it could open your report. Remove it and send again."
                )
            )


def _check_message(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write your message before sending it."))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(
            _("Your message is too long: at most %(n)s characters. Shorten it.") % {"n": MAX_MESSAGE_LENGTH}
        )
    return body


def reply_as_reporter(report: Report, *, body: str) -> Message:
    """The reporter answers the inspection unit (never audited: an audit row has the exact time)."""
    body = _check_message(body)
    refuse_receipt_code_in(report, body)
    with transaction.atomic(durable=True):
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.state == ReportState.CLOSED:
            raise InvalidInput(_("This report is closed: it no longer takes messages."))
        return Message.objects.create(
            report=report,
            author=Author.REPORTER,
            body=crypto.seal(as_bytes(report.public_key), body.encode()),
            sent_on=today(),
        )


def add_reporter_evidence(report: Report, *, files: list[PreparedFile]) -> list[Evidence]:
    """The reporter adds files to an open report, within the count limit."""
    with transaction.atomic(durable=True):
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.state == ReportState.CLOSED:
            raise InvalidInput(_("This report is closed: it no longer takes files."))
        held = report.evidence.count()
        if held + len(files) > int(conf("MAX_FILES")):
            raise InvalidInput(
                _("A report holds at most %(count)s files; this one has %(held)s.")
                % {"count": conf("MAX_FILES"), "held": held}
            )
        return [
            _store_evidence(report, prepared, added_by=Author.REPORTER, number=held + i)
            for i, prepared in enumerate(files, start=1)
        ]


# --- reading (the reporter with the report's key, or an unlocked inspector) -----------------


@dataclass(frozen=True)
class ShownMessage:
    author: str
    body: str
    sent_on: dt.date


@dataclass(frozen=True)
class ShownEvidence:
    pk: int
    added_by: str
    added_on: dt.date
    details: dict[str, Any]


@dataclass(frozen=True)
class ShownReport:
    report: Report
    facts: dict[str, Any]
    messages: list[ShownMessage] = field(default_factory=list)
    evidence: list[ShownEvidence] = field(default_factory=list)
    outcome_note: str = ""


def decrypt_report(report: Report, private_key: bytes) -> ShownReport:
    """Everything a holder of the report's key reads (not the identity: it has its own key)."""

    def text(blob: Any) -> str:
        return crypto.unseal(private_key, as_bytes(blob)).decode()

    return ShownReport(
        report=report,
        facts=json.loads(text(report.facts)),
        messages=[ShownMessage(m.author, text(m.body), m.sent_on) for m in report.messages.all()],
        evidence=[
            ShownEvidence(e.pk, e.added_by, e.added_on, json.loads(text(e.details)))
            for e in report.evidence.all()
        ],
        outcome_note=text(report.outcome_note) if report.outcome_note else "",
    )


# --- inspectors: reading and acting ---------------------------------------------------------


def read_report(unlocked: Unlocked, report: Report) -> ShownReport:
    """An inspector reads a report (audited)."""
    shown = decrypt_report(report, own_grant(unlocked, report, KeyGrant.Kind.CONTENT))
    with transaction.atomic(durable=True):
        record(Actor.for_user(unlocked.user), "denunciation.read", report)
    return shown


def open_evidence(
    unlocked: Unlocked, report: Report, evidence_id: int, *, original: bool
) -> tuple[bytes, dict[str, Any]]:
    """The cleaned copy of a file, or on an explicit request its original (both audited)."""
    evidence = report.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound
    private_key = own_grant(unlocked, report, KeyGrant.Kind.CONTENT)
    details = json.loads(crypto.unseal(private_key, as_bytes(evidence.details)))
    with default_storage.open(evidence.original_path if original else evidence.clean_path) as handle:
        content = crypto.unseal(private_key, handle.read())
    with transaction.atomic(durable=True):
        record(
            Actor.for_user(unlocked.user),
            "denunciation.original_read" if original else "denunciation.file_read",
            report,
            {"file": evidence.pk},
        )
    return content, details


def approvals_needed(report: Report) -> int:
    return max(0, 2 - report.approvals.values("inspector").distinct().count())


def approve_identity_disclosure(user: User, report: Report) -> None:
    """One inspector approves disclosing a confidential reporter's identity (two are needed)."""
    if report.mode != Mode.CONFIDENTIAL or not report.identity:
        raise InvalidInput(_("This report is anonymous: there is no identity to disclose."))
    with transaction.atomic(durable=True):
        _approval, created = IdentityApproval.objects.get_or_create(
            report=report, inspector=user, defaults={"approved_on": today()}
        )
        if not created:
            raise InvalidInput(
                _(
                    "You already approved. A second inspector, not you, must approve before the identity opens."
                )
            )
        record(Actor.for_user(user), "denunciation.identity_approved", report)


def read_identity(unlocked: Unlocked, report: Report) -> dict[str, Any]:
    """The sealed identity, once two different inspectors approved (audited)."""
    if report.mode != Mode.CONFIDENTIAL or not report.identity:
        raise NotFound
    if approvals_needed(report) > 0:
        raise PermissionRefused(_("Two different inspectors must approve before the identity is disclosed."))
    identity_private = own_grant(unlocked, report, KeyGrant.Kind.IDENTITY)
    identity = json.loads(crypto.unseal(identity_private, as_bytes(report.identity)))
    with transaction.atomic(durable=True):
        record(Actor.for_user(unlocked.user), "denunciation.identity_read", report)
    return dict(identity)


def message_reporter(user: User, report: Report, *, body: str) -> Message:
    """The inspection unit writes to the reporter (sealed to the report; audited without the text)."""
    body = _check_message(body)
    with transaction.atomic(durable=True):
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.state == ReportState.CLOSED:
            raise InvalidInput(_("This report is closed: it no longer takes messages."))
        message = Message.objects.create(
            report=report,
            author=Author.INSPECTION,
            body=crypto.seal(as_bytes(report.public_key), body.encode()),
            sent_on=today(),
        )
        record(Actor.for_user(user), "denunciation.message_sent", report)
    return message


def assign_report(user: User, report: Report, *, assignee: User) -> None:
    """Give the report to an inspector; never one of the accused unit or its chain of command."""
    if not is_inspector(assignee) or is_conflicted(assignee, report):
        raise PermissionRefused(_("This inspector may not handle this report."))
    with transaction.atomic(durable=True):
        Report.objects.filter(pk=report.pk).update(assignee=assignee)
        record(Actor.for_user(user), "denunciation.assigned", report, {"to": assignee.get_username()})


def change_state(user: User, report: Report, *, to: str, outcome: str = "", note: str = "") -> Report:
    """Move a report on; closing needs an outcome and its reasons, which the reporter reads."""
    with transaction.atomic(durable=True):
        report = Report.objects.select_for_update().get(pk=report.pk)
        if to not in TRANSITIONS[ReportState(report.state)]:
            raise InvalidInput(_("This report can no longer move to that state. Reload the page."))
        if to == ReportState.CLOSED:
            if outcome not in Outcome.values:
                raise InvalidInput(_("Choose the outcome before closing the report."))
            note = note.strip()
            if not note:
                raise InvalidInput(_("Write the reasons for the outcome: the reporter reads them."))
            report.outcome = outcome
            report.outcome_note = crypto.seal(as_bytes(report.public_key), note.encode())
            report.closed_on = today()
        previous, report.state = report.state, to
        report.save(update_fields=["state", "outcome", "outcome_note", "closed_on"])
        record(Actor.for_user(user), "denunciation.state_changed", report, {"from": previous, "to": to})
    return report


# --- notifications and retention ------------------------------------------------------------


def notify_inspectors_of_new_work() -> int:
    """Tell inspectors, in words that say nothing else, that reports wait; once per batch."""
    from guichet.notifications.models import Channel
    from guichet.notifications.services import queue_message

    with transaction.atomic(durable=True):
        new = list(Report.objects.select_for_update().filter(inspectors_notified=False))
        if not new:
            return 0
        unit = inspection_unit()
        told = 0
        users = User.objects.filter(
            is_active=True, memberships__role=Role.INSPECTOR, memberships__unit__code=conf("INSPECTION_UNIT")
        ).distinct()
        for user in users:
            if not user.email or all(is_conflicted(user, r) for r in new):
                continue
            queue_message(
                channel=Channel.EMAIL,
                recipient=user.email,
                event="denunciation_new_work",
                language=user.language,
                context={"url": settings.GUICHET["BASE_URL"] + reverse("denunciations:inspection")},
                unit_id=unit.pk if unit else None,
                restricted=True,
            )
            told += 1
        Report.objects.filter(pk__in=[r.pk for r in new]).update(inspectors_notified=True)
    return told


def shred_report(report: Report, *, actor: Actor = SYSTEM) -> None:
    """Destroy a report: its keys first (nothing sealed can be opened again), then the data."""
    paths = [p for e in report.evidence.all() for p in (e.original_path, e.clean_path)]
    public_id = report.public_id
    with transaction.atomic(durable=True):
        report = Report.objects.select_for_update().get(pk=report.pk)
        KeyGrant.objects.filter(report=report).delete()
        Report.objects.filter(pk=report.pk).update(reporter_copy=b"", receipt_lookup=f"shredded-{report.pk}")
        record(actor, "denunciation.shredded", None, {"report": public_id})
        report.delete()
    for path in paths:
        default_storage.delete(path)


def shred_expired_reports(*, on: dt.date | None = None) -> int:
    """Shred every report closed more than RETENTION_DAYS ago; returns how many."""
    limit = (on or today()) - dt.timedelta(days=int(conf("RETENTION_DAYS")))
    expired = list(Report.objects.filter(state=ReportState.CLOSED, closed_on__lte=limit))
    for report in expired:
        shred_report(report)
    return len(expired)
