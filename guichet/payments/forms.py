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


class CounterPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Paid"),
        choices=[(Network.CASH, Network.CASH.label), (Network.BANK, Network.BANK.label)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose cash or bank.")},
    )
    amount = forms.IntegerField(
        label=_("Amount received (FCFA)"),
        min_value=1,
        error_messages={"required": _("Type the amount received, in whole FCFA.")},
    )
    counter_receipt = forms.CharField(
        label=_("Counter receipt number"),
        max_length=64,
        error_messages={"required": _("Type the number printed on the counter receipt.")},
    )


class RefundRequestForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount to give back (FCFA)"),
        min_value=1,
        error_messages={"required": _("Type the amount to give back, in whole FCFA.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": _("Say why the money is given back.")},
    )


class PaidOutForm(forms.Form):
    evidence = forms.CharField(
        label=_("Reference of the transfer or of the signed slip"),
        max_length=200,
        error_messages={"required": _("Give the reference of the transfer or the signed slip.")},
    )
