"""Forms of the back office: queue filters and one small form per action on a dossier."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Channel, DeliveryState

# --- filters (GET) ---------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """What the queue can be narrowed to; every field is optional."""

    ASSIGNED_TO_ME = "me"
    UNASSIGNED = "nobody"

    q = forms.CharField(
        label=_("Reference, name or phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
        help_text=_("All or part of it, for example SUG-7K3M, Mensah or 90 12 34 56."),
    )
    service = forms.ChoiceField(label=_("Service"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All states")),
            *[(s.value, s.label) for s in DossierState if s != DossierState.DRAFT],
        ],
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    assignment = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[("", _("Anyone")), (ASSIGNED_TO_ME, _("Me")), (UNASSIGNED, _("Nobody yet"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    news = forms.BooleanField(label=_("New from the applicant only"), required=False)

    def __init__(
        self, *args: Any, services: list[tuple[str, str]], units: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services")), *services]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", _("All my units")), *units]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The valid filters only: a tampered value is ignored rather than failing the page."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


class OutboxFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Recipient"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
        help_text=_("Part of a phone number or e-mail address."),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *DeliveryState.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


# --- actions on a dossier (POST) ---------------------------------------------------------------


def _text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ActionForm(forms.Form):
    """Each action form carries its own prefix, so field ids stay unique on the dossier page."""

    prefix_name = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class AssignForm(ActionForm):
    prefix_name = "assign"

    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (back to the unit's queue)"),
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(StaffChoiceField, self.fields["assignee"])
        field.queryset = User.objects.filter(pk__in=[user.pk for user in candidates]).order_by(
            "last_name", "first_name", "username"
        )


class RequestInfoForm(ActionForm):
    prefix_name = "request_info"

    message = forms.CharField(
        label=_("What the applicant must send or explain"),
        widget=_text_area(),
        max_length=4000,
        error_messages={"required": _("Say what the applicant must send or explain.")},
        help_text=_("The applicant receives this message; the deadline is paused until they answer."),
    )


class ApproveForm(ActionForm):
    prefix_name = "approve"

    note = forms.CharField(
        label=_("Note to the applicant"), widget=_text_area(3), max_length=4000, required=False
    )


class RejectForm(ActionForm):
    prefix_name = "reject"

    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=_text_area(),
        max_length=4000,
        error_messages={"required": _("Give the reason for the refusal: the applicant will read it.")},
        help_text=_("The applicant reads this reason. Say what the decision rests on."),
    )


class AnswerForm(ActionForm):
    prefix_name = "answer"

    answer = forms.CharField(
        label=_("Answer to the applicant"),
        widget=_text_area(6),
        max_length=4000,
        error_messages={"required": _("Write the answer: the applicant will read it.")},
        help_text=_("The applicant reads this answer; the request is then marked as answered."),
    )


class MessageForm(ActionForm):
    prefix_name = "message"

    message = forms.CharField(
        label=_("Message to the applicant"),
        widget=_text_area(),
        max_length=4000,
        error_messages={"required": _("Write the message.")},
        help_text=_("The applicant receives it by SMS or e-mail; the state does not change."),
    )


class NoteForm(ActionForm):
    prefix_name = "note"

    text = forms.CharField(
        label=_("Internal note"),
        widget=_text_area(3),
        max_length=4000,
        error_messages={"required": _("Write the note.")},
        help_text=_("Only staff see it. The applicant never does."),
    )


class ChecklistForm(ActionForm):
    """The review checklist of the dossier's service: ticked points are sent, unticked ones are not."""

    prefix_name = "tick_checklist"

    points = forms.MultipleChoiceField(
        label=_("Points checked"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick each point once you have checked it in the file. Approval needs every point ticked."
        ),
    )

    def __init__(
        self, *args: Any, choices: list[tuple[str, str]], ticked: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["points"])
        field.choices = choices
        field.initial = ticked or []


class QuoteForm(ActionForm):
    """Agents and hours for the quote; the reason is what the applicant reads."""

    prefix_name = "propose_quote"

    agents = forms.IntegerField(
        label=_("Number of agents"),
        min_value=1,
        max_value=1000,
        error_messages={
            "required": _("Give the number of agents."),
            "invalid": _("Give the number of agents as a whole number, for example 6."),
            "min_value": _("Give at least 1 agent."),
            "max_value": _("Give at most 1000 agents."),
        },
    )
    hours = forms.IntegerField(
        label=_("Hours of coverage"),
        min_value=1,
        max_value=168,
        help_text=_("Whole hours, from the agents' arrival to their departure."),
        error_messages={
            "required": _("Give the number of hours."),
            "invalid": _("Give the hours as a whole number, for example 5."),
            "min_value": _("Give at least 1 hour."),
            "max_value": _("Give at most 168 hours."),
        },
    )
    reason = forms.CharField(
        label=_("Reason, for the applicant"),
        widget=_text_area(3),
        max_length=2000,
        required=False,
        help_text=_(
            "Needed when the number of agents differs from what the applicant asked for, and for a revision."
        ),
    )


class RejectWithPointsForm(RejectForm):
    """A refusal that names the checklist points that failed (the applicant sees them with their advice)."""

    failed_points = forms.MultipleChoiceField(
        label=_("Points that failed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The applicant sees each point you tick here, with what they can do about it."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["failed_points"]).choices = choices
