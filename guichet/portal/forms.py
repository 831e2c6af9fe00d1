"""Portal forms: starting, tracking, answering, withdrawing; and the finishing of step forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guichet.catalog.definition import FieldDef, ServiceDefinition
from guichet.catalog.forms import StepForm
from guichet.dossiers.references import InvalidReference, normalise
from guichet.portal.display import condition_hint, file_hint, upload_attributes

# Django's own "This field is required." says nothing of what to do.
REQUIRED_MESSAGES = {
    "radioselect": _("Choose one answer."),
    "checkboxselectmultiple": _("Choose at least one answer."),
    "select": _("Choose an answer from the list."),
}

AUTOCOMPLETE = {"full_name": "name", "phone": "tel", "email": "email", "company_name": "organization"}


class StartForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    anonymous = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _code_input() -> forms.TextInput:
    """A field for a code copied from a message: no autofill, no spell check, capitals."""
    return forms.TextInput(
        attrs={
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "characters",
            "class": "input-reference",
        }
    )


class TrackForm(forms.Form):
    # Nothing in it depends on the reader: an empty one is drawn once (guichet_ui.form_field).
    same_for_everyone = True

    reference = forms.CharField(
        label=_("Reference of your file"),
        help_text=_("As written in the message we sent when you filed, for example SUG-7K3M-9QXT."),
        max_length=30,
        error_messages={"required": _("Enter the reference of your file.")},
        widget=_code_input(),
    )

    def clean_reference(self) -> str:
        try:
            return normalise(self.cleaned_data["reference"])
        except InvalidReference:
            # The check character catches a typo before anything is looked up.
            raise ValidationError(
                _(
                    "This reference is not right: a character is probably mistyped. It has three letters then eight "
                    "letters or digits, like SUG-7K3M-9QXT. Compare it with your message and type it again."
                ),
                code="invalid_reference",
            ) from None


class ReceiptForm(forms.Form):
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        help_text=_(
            "The code shown once when you filed, like 7K3M-9QXT-4HBW-2RNA. Capitals, spaces and dashes do not matter."
        ),
        max_length=40,
        error_messages={"required": _("Enter the receipt code you wrote down when you filed.")},
        widget=_code_input(),
    )


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        error_messages={"required": _("Write your message.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"),
        help_text=_("This helps the ministry; you do not have to say."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    """The applicant's answer to a request for information, with documents of the service."""

    message = forms.CharField(
        label=_("Your answer"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, documents: tuple[FieldDef, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_fields = documents
        for field_def in documents:
            self.fields[field_def.name] = forms.FileField(
                label=str(field_def.label), required=False, help_text=file_hint(field_def)
            )
            self.fields[field_def.name].widget.attrs.update(upload_attributes(field_def))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file = any(cleaned.get(f.name) for f in self.document_fields)
        if not (cleaned.get("message") or "").strip() and not has_file:
            self.add_error("message", _("Write your answer or add a document."))
        return cleaned


def finish_step_form(form: StepForm, definition: ServiceDefinition) -> StepForm:
    """Give a step form plain error messages, hints for conditions and files, and autocomplete."""
    for name, form_field in form.fields.items():
        field_def = definition.field(name)
        widget = form_field.widget
        widget_type = type(widget).__name__.lower().removesuffix("input").removesuffix("widget")
        form_field.error_messages["required"] = REQUIRED_MESSAGES.get(widget_type, _("Answer this question."))
        hints = [str(form_field.help_text)] if form_field.help_text else []
        if name in form.conditional:
            hints.append(condition_hint(definition, field_def))
        if field_def.type == "file":
            hints.append(file_hint(field_def))
            widget.attrs.update(upload_attributes(field_def))
        form_field.help_text = " ".join(h for h in hints if h)
        if not field_def.required:
            form_field.label = _("%(label)s (optional)") % {"label": form_field.label}
        if name in AUTOCOMPLETE and "autocomplete" not in widget.attrs:
            widget.attrs["autocomplete"] = AUTOCOMPLETE[name]
    return form
