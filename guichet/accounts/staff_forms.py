"""Forms of the staff sign-in: password first, then the authenticator app's code."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.core import ratelimit
from guichet.core.errors import RateLimited
from guichet.core.http import client_ip

# Failed password attempts tolerated per username and per address before the form refuses
# to check any more, for the window below (settings.GUICHET["STAFF_SIGN_IN_MAX_FAILURES..."]).
_WINDOW_SECONDS = 15 * 60


def _limits() -> tuple[int, int]:
    config = settings.GUICHET
    return int(config["STAFF_SIGN_IN_MAX_FAILURES"]), int(config["STAFF_SIGN_IN_MAX_FAILURES_PER_IP"])


def _keys(username: str, ip: str) -> tuple[str, str]:
    # Hashed: what a person types must never become a raw cache key.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"staff-sign-in:user:{name}", f"staff-sign-in:ip:{ip}"


class SignInThrottle:
    """Counts failed staff sign-ins per username and per address in the cache."""

    def __init__(self, username: str, ip: str) -> None:
        self.user_key, self.ip_key = _keys(username, ip)
        self.user_limit, self.ip_limit = _limits()

    def check(self) -> None:
        """Refuse to check a password once either counter is full (even a right one)."""
        if ratelimit.exceeded(self.user_key, self.user_limit) or ratelimit.exceeded(
            self.ip_key, self.ip_limit
        ):
            raise RateLimited(_("Too many failed attempts. Wait 15 minutes, then try again."))

    def failed(self) -> None:
        for key in (self.user_key, self.ip_key):
            ratelimit.count(key, window_seconds=_WINDOW_SECONDS)

    def succeeded(self) -> None:
        ratelimit.reset(self.user_key)


class StaffSignInForm(forms.Form):
    """Username and password of a staff account; anything else gets one generic answer."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {"invalid": _("The username or password is wrong.")}

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username, password = cleaned.get("username"), cleaned.get("password")
        if not username or not password:
            return cleaned
        throttle = SignInThrottle(username, client_ip(self.request))
        try:
            throttle.check()
        except RateLimited as exc:
            raise forms.ValidationError(str(exc), code="rate_limited") from None
        user = authenticate(self.request, username=username, password=password)
        # A citizen who set a password, an inactive account, a wrong password: the same answer.
        if not isinstance(user, User) or not user.is_staff_member:
            throttle.failed()
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        throttle.succeeded()
        self.user = user
        return cleaned


class TotpForm(forms.Form):
    """The 6 digits the staff member's authenticator app shows now."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("6 digits. A new code appears every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 8}
        ),
        error_messages={"required": _("Type the 6 digits your authenticator app shows.")},
    )

    def clean_code(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(digits) != 6:
            raise forms.ValidationError(_("The code has exactly 6 digits."), code="length")
        return digits
