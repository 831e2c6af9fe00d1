"""The keys of denunciations (decision 0024): the site's keys, each report's key sealed to the
inspectors who may read it and to the offline recovery key, inspectors' own keys opened by their
passwords, sharing with colleagues and recovery. services.py files, reads and acts with them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.audit.services import record
from guichet.core import ratelimit
from guichet.core.actors import SYSTEM, Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound
from guichet.denunciations import crypto
from guichet.denunciations.access import eligible_inspector_keys, is_inspector, reports_for_inspector
from guichet.denunciations.models import InspectorKey, KeyGrant, Report, SiteKeys


class NoKeyYet(DomainError):
    code = "no_key_yet"
    default_message = _(
        "This report was filed before your key existed. It opens for you as soon as a colleague "
        "who can read it unlocks their reports, or after a recovery with the offline key."
    )


def today() -> dt.date:
    return timezone.localdate()


def as_bytes(value: Any) -> bytes:
    """BinaryField values come back as memoryview on PostgreSQL."""
    return bytes(value) if value is not None else b""


def site_keys() -> SiteKeys:
    keys = SiteKeys.objects.filter(pk=1).first()
    if keys is None:
        try:
            with transaction.atomic():
                ops, mem_kib = crypto.costs()
                keys = SiteKeys.objects.create(
                    pk=1, receipt_salt=crypto.new_salt(), receipt_opslimit=ops, receipt_memlimit_kib=mem_kib
                )
        except IntegrityError:
            keys = SiteKeys.objects.get(pk=1)
    return keys


def busy_message(what: str) -> str:
    """Every Argon2id slot stayed taken (crypto.Busy): nothing is lost, the person tries again."""
    return _("Many people are using this service right now. %(what)s Wait a minute, then try again.") % {
        "what": what
    }


def seal_grant(report: Report, key: InspectorKey | None, kind: str, secret: bytes, public_key: bytes) -> None:
    KeyGrant.objects.get_or_create(
        report=report,
        inspector_key=key,
        kind=kind,
        defaults={"sealed_key": crypto.seal(public_key, secret)},
    )


def grant_everyone(report: Report, content_private: bytes, identity_private: bytes | None) -> None:
    """Seal the report's keys to every eligible inspector and to the recovery key."""
    recovery = site_keys().recovery_public_key
    for key in eligible_inspector_keys(report):
        seal_grant(report, key, KeyGrant.Kind.CONTENT, content_private, as_bytes(key.public_key))
        if identity_private:
            seal_grant(report, key, KeyGrant.Kind.IDENTITY, identity_private, as_bytes(key.public_key))
    if recovery:
        seal_grant(report, None, KeyGrant.Kind.CONTENT, content_private, as_bytes(recovery))
        if identity_private:
            seal_grant(report, None, KeyGrant.Kind.IDENTITY, identity_private, as_bytes(recovery))


# --- inspectors' keys ---------------------------------------------------------------------


@dataclass(frozen=True)
class Unlocked:
    """An inspector whose private key is open for this request."""

    user: User
    key_id: int
    private_key: bytes


def _new_inspector_key(user: User, password: str) -> tuple[InspectorKey, bytes]:
    keys = crypto.KeyPair.generate()
    salt = crypto.new_salt()
    ops, mem_kib = crypto.costs()
    key = InspectorKey.objects.create(
        user=user,
        public_key=keys.public,
        locked_private_key=crypto.lock(crypto.derive_key(password, salt, ops, mem_kib), keys.private),
        salt=salt,
        kdf_opslimit=ops,
        kdf_memlimit_kib=mem_kib,
        created_on=today(),
    )
    return key, keys.private


def unlock_inspector(user: User, *, password: str) -> Unlocked:
    """Open an inspector's private key with their password (made on first use, or after a reset)."""
    if not is_inspector(user):
        raise NotFound
    ratelimit.hit(
        f"den-unlock:{user.pk}",
        5,
        window_seconds=900,
        message=_("Too many wrong passwords. Wait 15 minutes, then try again."),
    )
    if not user.check_password(password):
        raise InvalidInput(_("This is not your password. Type the password you sign in with."))
    actor = Actor.for_user(user)
    with transaction.atomic(durable=True):
        key = InspectorKey.objects.select_for_update().filter(user=user, active=True).first()
        if key is None:
            key, private = _new_inspector_key(user, password)
            record(actor, "denunciation.inspector_key_created", key)
        else:
            try:
                opening = crypto.derive_key(
                    password, as_bytes(key.salt), key.kdf_opslimit, key.kdf_memlimit_kib
                )
                private = crypto.unlock(opening, as_bytes(key.locked_private_key))
            except crypto.Busy:
                raise InvalidInput(busy_message(_("The reports were not opened."))) from None
            except crypto.CryptoError:
                # The password changed since the key was made: the old key is lost to this
                # password; a colleague or the recovery key gives access again.
                InspectorKey.objects.filter(pk=key.pk).update(active=False)
                key, private = _new_inspector_key(user, password)
                record(actor, "denunciation.inspector_key_replaced", key)
        ratelimit.reset(f"den-unlock:{user.pk}")
    unlocked = Unlocked(user=user, key_id=key.pk, private_key=private)
    share_with_colleagues(unlocked)
    return unlocked


def own_grant(unlocked: Unlocked, report: Report, kind: str) -> bytes:
    grant = KeyGrant.objects.filter(report=report, inspector_key_id=unlocked.key_id, kind=kind).first()
    if grant is None:
        raise NoKeyYet
    return crypto.unseal(unlocked.private_key, as_bytes(grant.sealed_key))


def share_with_colleagues(unlocked: Unlocked) -> int:
    """Seal each report this inspector reads to eligible colleagues (and the recovery key) who lack it.

    This is how a new inspector, or one whose password was reset, gets the reports filed
    before their key existed: the next colleague who unlocks re-grants them. Returns the
    number of keys sealed. Runs at every unlock: the grants of all visible reports are read in
    one query and only reports that miss one are visited, so an unlock with nothing to share
    costs a few queries however many reports there are.
    """
    sealed = 0
    recovery = site_keys().recovery_public_key
    visible = (
        reports_for_inspector(unlocked.user)
        .filter(grants__inspector_key_id=unlocked.key_id, grants__kind=KeyGrant.Kind.CONTENT)
        .only("pk", "public_id", "accused_unit", "identity_public_key")
    )
    held: dict[int, set[tuple[int | None, str]]] = defaultdict(set)
    for report_id, key_id, kind in KeyGrant.objects.filter(report__in=visible.values("pk")).values_list(
        "report_id", "inspector_key_id", "kind"
    ):
        held[report_id].add((key_id, kind))
    targets_by_unit: dict[int | None, list[tuple[int | None, bytes, InspectorKey | None]]] = {}
    with transaction.atomic(durable=True):
        for report in visible:
            if report.accused_unit_id not in targets_by_unit:
                targets: list[tuple[int | None, bytes, InspectorKey | None]] = [
                    (k.pk, as_bytes(k.public_key), k) for k in eligible_inspector_keys(report)
                ]
                if recovery:
                    targets.append((None, as_bytes(recovery), None))
                targets_by_unit[report.accused_unit_id] = targets
            kinds = [KeyGrant.Kind.CONTENT] + ([KeyGrant.Kind.IDENTITY] if report.identity_public_key else [])
            for kind in kinds:
                missing = [
                    t for t in targets_by_unit[report.accused_unit_id] if (t[0], kind) not in held[report.pk]
                ]
                if not missing:
                    continue
                try:
                    secret = own_grant(unlocked, report, kind)
                except NoKeyYet:
                    continue
                for _pk, public_key, key in missing:
                    seal_grant(report, key, kind, secret, public_key)
                    sealed += 1
                record(
                    Actor.for_user(unlocked.user),
                    "denunciation.access_shared",
                    report,
                    {"keys": len(missing)},
                )
    return sealed


def create_recovery_key(*, replace: bool = False) -> bytes:
    """Make the offline recovery key pair; return the private half (to print once, keep offline)."""
    with transaction.atomic(durable=True):
        keys = SiteKeys.objects.select_for_update().filter(pk=1).first() or site_keys()
        if keys.recovery_public_key and not replace:
            raise InvalidInput("A recovery key exists already; pass --replace to make a new one.")
        pair = crypto.KeyPair.generate()
        keys.recovery_public_key = pair.public
        keys.save(update_fields=["recovery_public_key"])
        KeyGrant.objects.filter(inspector_key=None).delete()  # sealed to the old key: useless now
        record(SYSTEM, "denunciation.recovery_key_created")
    return pair.private


def recover_for_inspector(recovery_private_key: bytes, user: User) -> int:
    """With the offline key, seal every report `user` may read to their current key."""
    key = InspectorKey.objects.filter(user=user, active=True).first()
    if key is None or not is_inspector(user):
        raise InvalidInput("This person has no inspector key yet: they must unlock once first.")
    count = 0
    with transaction.atomic(durable=True):
        for report in reports_for_inspector(user):
            for grant in KeyGrant.objects.filter(report=report, inspector_key=None):
                secret = crypto.unseal(recovery_private_key, as_bytes(grant.sealed_key))
                seal_grant(report, key, grant.kind, secret, as_bytes(key.public_key))
                count += 1
        record(SYSTEM, "denunciation.recovered", key, {"keys": count})
    return count
