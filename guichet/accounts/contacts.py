"""Parsing what people type as a phone number or an e-mail address."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Contact:
    kind: str  # "phone" or "email"
    value: str  # E.164 or lower-case e-mail

    @property
    def masked(self) -> str:
        """Enough to recognise one's own contact, not enough to learn someone else's."""
        if self.kind == "phone":
            return f"{self.value[:4]} •• •• {self.value[-2:]}"
        name, _sep, domain = self.value.partition("@")
        return f"{name[:2]}•••@{domain}"


def parse_phone(raw: str) -> str:
    """Return the number in E.164, Togo by default, any country with a + prefix."""
    try:
        number = phonenumbers.parse(raw, settings.GUICHET["DEFAULT_PHONE_REGION"])
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "Enter a valid phone number, for example 90 12 34 56, or +33 6 12 34 56 78 for a foreign number."
            ),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_contact(raw: str) -> Contact:
    """A phone number or an e-mail address, whichever the person typed."""
    raw = raw.strip()
    if "@" in raw:
        try:
            validate_email(raw)
        except ValidationError:
            raise ValidationError(
                _("Enter a valid e-mail address, for example nom@exemple.tg."), code="invalid_email"
            ) from None
        return Contact("email", raw.lower())
    if not raw:
        raise ValidationError(_("Enter your phone number or your e-mail address."), code="required")
    return Contact("phone", parse_phone(raw))


def format_phone(e164: str) -> str:
    number = phonenumbers.parse(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
