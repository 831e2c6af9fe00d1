"""Parts of pages drawn once per process and language hold only what every reader sees."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.utils import translation

from guichet.portal.forms import TrackForm
from guichet.portal.templatetags.guichet_ui import Visitor, form_field, visitor_links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user.phone }}",
        "{% csrf_token %}",
        "{% if user %}x{% endif %}",
        "{% translate greeting %}",
        "{% translate 'Sign in' as label %}",
        "{% url 'portal:service' code=code %}",
        "{% translate 'Sign in'|upper %}",
    ],
)
def test_a_constant_part_refuses_anything_that_could_differ_between_readers(inside: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        Template("{% load i18n guichet_ui %}{% constant %}" + inside + "{% endconstant %}")


def test_a_constant_part_is_drawn_in_each_language(project_translations: None) -> None:
    template = Template(
        "{% load i18n guichet_ui %}{% constant %}{% translate 'Sign in' %} {% url 'portal:track' %}{% endconstant %}"
    )
    with translation.override("fr"):
        french = template.render(Context())
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("fr"):
        again = template.render(Context())
    assert english == "Sign in /suivi/"
    assert french == again == "Se connecter /suivi/"


def test_an_empty_tracking_form_is_drawn_like_the_include() -> None:
    blank = form_field(TrackForm()["reference"])
    assert 'name="reference"' in blank
    assert "value=" not in blank
    assert form_field(TrackForm()["reference"]) is blank  # drawn once


def test_a_tracking_form_with_a_value_or_an_error_is_drawn_for_its_reader() -> None:
    typed = form_field(TrackForm(initial={"reference": "SUG-7K3M-9QXT"})["reference"])
    assert 'value="SUG-7K3M-9QXT"' in typed
    wrong = TrackForm({"reference": "nope"})
    assert not wrong.is_valid()
    drawn = form_field(wrong["reference"])
    assert 'value="nope"' in drawn
    assert "error-message" in drawn
    assert "error-message" not in form_field(TrackForm()["reference"])


def test_the_tracking_page_keeps_a_reference_from_the_link(client: Client) -> None:
    page = client.get("/suivi/?reference=SUG-7K3M-9QXT").content.decode()
    assert 'value="SUG-7K3M-9QXT"' in page
    assert 'value="SUG-7K3M-9QXT"' not in client.get("/suivi/").content.decode()


def test_header_links_follow_the_kind_of_reader() -> None:
    guest = visitor_links(Visitor())
    citizen = visitor_links(Visitor(citizen=True))
    staff = visitor_links(Visitor(staff=True))
    assert "/compte/connexion/" in guest
    assert "/mes-dossiers/" not in guest
    assert "/mes-dossiers/" in citizen
    assert "/compte/connexion/" not in citizen
    assert "/agents/" in staff
    assert "/mes-dossiers/" not in staff


def test_pages_still_carry_a_token_per_visitor(client: Client) -> None:
    first = client.get("/suivi/").content.decode()
    other = Client().get("/suivi/").content.decode()
    token = first.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token not in other
