"""`{% dossier_permits dossier %}`: the permits of a file, on a page that already checked who may see it."""

from __future__ import annotations

from typing import Any

from django import template

from guichet.permits.selectors import permits_of

register = template.Library()


@register.inclusion_tag("permits/_dossier_permits.html", takes_context=True)
def dossier_permits(context: template.Context, dossier: Any, staff: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "staff", None) if staff else None
    return {
        "permits": permits_of(dossier, staff=user),
        "staff": staff,
        "csrf_token": context.get("csrf_token"),  # the renew button posts
    }
