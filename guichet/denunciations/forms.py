"""Forms of the denunciation pages: they parse; the rules are in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.catalog.lists import togo_communes, togo_prefectures
from guichet.denunciations.codes import MAX_TYPED_LENGTH
from guichet.denunciations.models import Outcome, ReportState
from guichet.denunciations.services import MAX_MESSAGE_LENGTH

CATEGORIES = [
    ("racket", _("Racket or corruption (money demanded or paid)")),
    ("abuse_of_power", _("Abuse of power")),
    ("force", _("Disproportionate use of force")),
    ("arbitrary_arrest", _("Arbitrary arrest or detention")),
    ("discrimination", _("Discrimination")),
    ("unprofessional", _("Unprofessional conduct")),
    ("human_rights", _("Human-rights violation")),
    ("other", _("Something else")),
]
FORCES = [
    ("police", _("Police")),
    ("gendarmerie", _("Gendarmerie")),
    ("other", _("Another force, or I do not know")),
]
ROLES = [("victim", _("I am the victim")), ("witness", _("I am a witness"))]
MONEY = [
    ("none", _("No money was asked for")),
    ("demanded", _("Money was demanded, not paid")),
    ("paid", _("Money was paid")),
]


def _label(item: Any) -> str:
    return str(item.label.get(get_language() or "fr", item.label["fr"]))


# What a phone's file picker offers first (a hint only: the server reads the bytes).
EVIDENCE_ACCEPT = (
    "image/jpeg,image/png,application/pdf,video/*,audio/*,.docx,.odt,.ods,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet"
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    adult = forms.MultipleChoiceField(
        label=_("Age"),
        choices=[("yes", _("I am 18 or over"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick this box: reports are for adults.")},
    )
    role = forms.ChoiceField(
        label=_("You are"),
        choices=ROLES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you are the victim or a witness.")},
    )
    date = forms.DateField(
        label=_("Date of the facts"),
        help_text=_("For example 31/12/2025."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter the date of the facts."),
            "invalid": _("Enter a date such as 31/12/2025."),
        },
    )
    time = forms.TimeField(
        label=_("Time (if you know it)"),
        required=False,
        help_text=_("For example 14:30."),
        error_messages={"invalid": _("Enter a time such as 14:30, or leave it empty.")},
    )
    prefecture = forms.ChoiceField(
        label=_("Prefecture"), error_messages={"required": _("Choose the prefecture.")}
    )
    commune = forms.ChoiceField(label=_("Commune"), error_messages={"required": _("Choose the commune.")})
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        help_text=_("A street, a checkpoint, a landmark."),
        error_messages={"required": _("Describe the place.")},
    )
    map_point = forms.CharField(
        label=_("Map point (optional)"),
        max_length=60,
        required=False,
        help_text=_("Latitude and longitude, for example 6.1319, 1.2228."),
    )
    force = forms.ChoiceField(
        label=_("Force involved"),
        choices=FORCES,
        widget=forms.RadioSelect,
        help_text=_("Your report never goes to the force or unit you name."),
        error_messages={"required": _("Choose the force involved, or “another force”.")},
    )
    unit_or_post = forms.CharField(label=_("Unit or post (if you know it)"), max_length=200, required=False)
    officer_name = forms.CharField(label=_("Officer’s name (if known)"), max_length=200, required=False)
    officer_number = forms.CharField(label=_("Officer’s number (if known)"), max_length=100, required=False)
    vehicle_plate = forms.CharField(label=_("Vehicle plate (if seen)"), max_length=40, required=False)
    officer_description = forms.CharField(
        label=_("Description of the officers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(
        label=_("What happened"),
        choices=CATEGORIES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happened.")},
    )
    money = forms.ChoiceField(label=_("Money"), choices=MONEY, initial="none", widget=forms.RadioSelect)
    amount = forms.IntegerField(
        label=_("Amount in FCFA (if money was demanded or paid)"),
        required=False,
        min_value=0,
        max_value=1_000_000_000,
        error_messages={"invalid": _("Enter the amount in whole FCFA, digits only, for example 5000.")},
    )
    narrative = forms.CharField(
        label=_("What happened, in your words"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Tell us what happened.")},
    )
    witnesses = forms.CharField(
        label=_("Witnesses (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = MultipleFileField(
        label=_("Photos, videos, recordings or documents (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=_(
            "Photos (JPEG, PNG), videos (MP4, MOV, 3GP, WebM), sound recordings and voice notes (MP3, M4A, "
            "OGG, WAV, AMR), PDF, or Word and LibreOffice documents (DOCX, ODT, ODS). Hidden information "
            "such as the place, the phone or the author's name is removed."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", _("Choose…"))]
        cast(forms.ChoiceField, self.fields["prefecture"]).choices = blank + [
            (p.value, _label(p)) for p in togo_prefectures()
        ]
        cast(forms.ChoiceField, self.fields["commune"]).choices = blank + [
            (c.value, _label(c)) for c in togo_communes()
        ]

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date of the facts cannot be in the future."))
        return date

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        prefecture, commune = data.get("prefecture"), data.get("commune")
        if prefecture and commune:
            parent = next((c.parent for c in togo_communes() if c.value == commune), None)
            if parent != prefecture:
                self.add_error("commune", _("This commune is not in the chosen prefecture. Choose it again."))
        if data.get("money") in {"demanded", "paid"} and data.get("amount") is None:
            self.add_error("amount", _("Enter the amount demanded or paid, in FCFA."))
        return data

    def facts(self) -> dict[str, Any]:
        data = self.cleaned_data
        facts = {k: v for k, v in data.items() if k not in {"adult", "evidence"}}
        facts["date"] = data["date"].isoformat()
        facts["time"] = data["time"].strftime("%H:%M") if data.get("time") else ""
        return facts


class IdentityForm(forms.Form):
    prefix = "identity"
    full_name = forms.CharField(
        label=_("Your full name"), max_length=200, error_messages={"required": _("Enter your full name.")}
    )
    id_number = forms.CharField(
        label=_("ID document number (if you have one)"),
        max_length=60,
        required=False,
        help_text=_("National ID (NIU), passport or voter card."),
    )
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError(
                _("Give a phone number or an e-mail address so the inspection unit can reach you.")
            )
        return data


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=MAX_TYPED_LENGTH,
        help_text=_("16 digits, for example 1234 5678 9012 3456."),
        error_messages={
            "required": _("Type your receipt code."),
            "max_length": _("A receipt code is 16 digits. Check it and type it again."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your message before sending it.")},
    )


class EvidenceForm(forms.Form):
    evidence = MultipleFileField(
        label=_("Add photos, videos, recordings or documents"),
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=_(
            "Photos (JPEG, PNG), videos (MP4, MOV, 3GP, WebM), sound recordings and voice notes (MP3, M4A, "
            "OGG, WAV, AMR), PDF, or Word and LibreOffice documents (DOCX, ODT, ODS)."
        ),
        error_messages={"required": _("Choose at least one file.")},
    )


class UnlockForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput,
        help_text=_("The password you sign in with: it opens your key to the reports."),
        error_messages={"required": _("Type your password.")},
    )


class StateForm(forms.Form):
    to = forms.ChoiceField(
        label=_("New state"),
        choices=[
            (ReportState.UNDER_INVESTIGATION, ReportState.UNDER_INVESTIGATION.label),
            (ReportState.CLOSED, ReportState.CLOSED.label),
        ],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (to close)"), choices=[("", "—"), *Outcome.choices], required=False
    )
    note = forms.CharField(
        label=_("Reasons (the reporter reads them)"),
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
