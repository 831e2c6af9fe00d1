"""Create and rotate permit signing keys (private halves to files, public halves to the database).

permit_keys create --type tinted_windows     # a first key for a type (refused if one exists)
permit_keys create --all --if-missing        # what `make run` does at start: every type, once
permit_keys rotate --type 1                  # a new key; the old one stays published
permit_keys create-root                      # the root key that signs the trust list
permit_keys list
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.audit import services as audit
from guichet.core.actors import SYSTEM
from guichet.permits import keys, trust
from guichet.permits.models import SigningKey
from guichet.permits.types import PERMIT_TYPES, by_slug


def _type(value: str) -> int:
    if value.isdigit() and int(value) in PERMIT_TYPES:
        return int(value)
    try:
        return by_slug(value).code
    except KeyError:
        names = ", ".join(f"{code} {t.slug}" for code, t in sorted(PERMIT_TYPES.items()))
        raise CommandError(f"unknown permit type {value!r}; one of: {names}") from None


class Command(BaseCommand):
    help = "Create, rotate and list the keys that sign permits and the trust list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "rotate", "create-root", "list"])
        parser.add_argument("--type", dest="permit_type", help="permit type: number or name")
        parser.add_argument("--all", action="store_true", help="every permit type")
        parser.add_argument("--if-missing", action="store_true", help="do nothing for a type that has a key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for key in SigningKey.objects.all():
                state = (
                    "signing" if key.retired_at is None else f"retired, published until {key.retire_after}"
                )
                self.stdout.write(
                    f"type {key.permit_type}  kid {key.kid}  since {key.not_before:%Y-%m-%d}  {state}"
                )
            return
        if action == "create-root":
            path = keys.keys_dir() / "root.pem"
            if path.exists() and not options["if_missing"]:
                raise CommandError(f"{path} exists: the root key is pinned in the verifier page, keep it")
            jwk = keys.root_public_jwk() if path.exists() else None
            if jwk is None:
                keys.root_private_key(create=True)
                jwk = keys.root_public_jwk()
                audit.record(SYSTEM, "permit.root_key_created", None, {"kid": jwk["kid"]})
            self.stdout.write(f"root key {jwk['kid']} in {path}")
            return
        if options["all"]:
            types = sorted(PERMIT_TYPES)
        elif options["permit_type"]:
            types = [_type(options["permit_type"])]
        else:
            raise CommandError("say which permit type (--type) or --all")
        for permit_type in types:
            current = keys.current_key(permit_type)
            if action == "create" and current is not None:
                if options["if_missing"]:
                    continue
                raise CommandError(f"type {permit_type} already has key {current.kid}: use rotate")
            row = keys.create_key(permit_type)
            audit.record(
                SYSTEM,
                "permit.key_rotated" if current else "permit.key_created",
                row,
                {"kid": row.kid, "type": permit_type, "previous": current.kid if current else None},
            )
            trust.forget()
            self.stdout.write(f"type {permit_type}: key {row.kid} in {keys.keys_dir()}")
        if options["if_missing"]:
            keys.root_private_key(create=True)
