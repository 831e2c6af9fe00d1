"""Citizen sign-in and profile forms (the portal's account pages). Messages tell people what to type, not what went wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from guichet.accounts.contacts import Contact, parse_contact
from guichet.accounts.models import User


class ContactForm(forms.Form):
    """A phone number or an e-mail address, whichever the person has."""

    contact = forms.CharField(
        label=_("Phone number or e-mail address"),
        help_text=_(
            "For example 90 12 34 56, +33 6 12 34 56 78 or nom@exemple.tg. We send a 6-digit code to it."
        ),
        max_length=254,
        error_messages={"required": _("Enter your phone number or your e-mail address.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )

    def clean_contact(self) -> Contact:
        return parse_contact(self.cleaned_data["contact"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_("The 6 digits of the message we sent."),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code from the message.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "input-code",
            }
        ),
    )

    def clean_code(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(digits) != int(settings.GUICHET["OTP_LENGTH"]):
            raise ValidationError(
                _("The code has 6 digits. Type them again, without letters."), code="length"
            )
        return digits


class PasswordSignInForm(ContactForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Enter your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].help_text = _("The phone number or e-mail address of your account.")


class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("Given names (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Surname (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    # Each language in its own name, so a person finds theirs whatever the page's language.
    language = forms.ChoiceField(
        label=_("Language of our messages and pages"),
        choices=[(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES],
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(
        label=_("New password (optional)"),
        help_text=_(
            "Only if you want to sign in without waiting for a code. At least 10 characters; avoid a common word or only digits."
        ),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password1(self) -> str:
        password = self.cleaned_data.get("password1") or ""
        if password:
            validate_password(password, self.user)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        return cleaned
