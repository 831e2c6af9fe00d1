"""The citizen's payment form: a wallet and a phone number."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.payments.models import Network

# What a person chooses from on the payment page; counter payments are recorded by cashiers.
ONLINE = (Network.TMONEY, Network.FLOOZ, Network.CARD)


class PayForm(forms.Form):
    network = forms.ChoiceField(
        label=_("How do you pay?"),
        choices=[(value, label) for value, label in Network.choices if value in ONLINE],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you pay.")},
        help_text=_(
            "We chose the wallet from your number; change it if your number moved to the other network."
        ),
    )
    phone = forms.CharField(
        label=_("The phone number of the wallet"),
        max_length=20,
        help_text=_(
            "8 digits, for example 90 12 34 56. The payment request is sent to this phone. Not needed for a card."
        ),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("network") in {Network.TMONEY, Network.FLOOZ}
            and not str(cleaned.get("phone") or "").strip()
        ):
            self.add_error("phone", _("Enter the phone number of the wallet that pays."))
        return cleaned
