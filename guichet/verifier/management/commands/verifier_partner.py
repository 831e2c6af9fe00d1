"""Create, list or revoke the partner systems that call the verification API.

manage.py verifier_partner create "Police routière" --unit DGPN --scopes verify lookup_plate
manage.py verifier_partner list
manage.py verifier_partner revoke "Police routière"
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.core.errors import DomainError
from guichet.verifier import services
from guichet.verifier.models import SCOPES, Partner


class Command(BaseCommand):
    help = "Create (the token is shown once), list or revoke partner systems of the verification API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("name")
        create.add_argument("--unit", default="")
        create.add_argument("--scopes", nargs="+", choices=SCOPES, required=True)
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                partner, token = services.create_partner(
                    name=options["name"], unit=options["unit"], scopes=options["scopes"]
                )
                self.stdout.write(f"Partner {partner.name} created with scopes {', '.join(partner.scopes)}.")
                self.stdout.write(
                    "Its token, shown this once only (keep it in the partner system's secrets):"
                )
                self.stdout.write(token)
            elif options["action"] == "revoke":
                partner = services.revoke_partner(name=options["name"])
                self.stdout.write(f"Partner {partner.name} revoked: its token no longer works.")
            else:
                for partner in Partner.objects.all():
                    state = "revoked" if partner.revoked_at else "active"
                    self.stdout.write(f"{partner.name}\t{partner.unit}\t{','.join(partner.scopes)}\t{state}")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
