"""Receipt codes a person can keep: short, typed any way, printable and savable as text."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guichet.dossiers import receipts
from guichet.dossiers.models import Dossier
from tests.portal.utils import file_suggestion

pytestmark = pytest.mark.django_db

CROCKFORD_GROUPS = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def _confirmation(client: Client, dossier: Dossier) -> str:
    return client.get(
        reverse("portal:confirmation", kwargs={"reference": dossier.reference})
    ).content.decode()


def test_a_receipt_code_is_sixteen_unambiguous_characters_in_groups_of_four():
    client = Client()
    dossier = file_suggestion(client, anonymous=True)
    page = _confirmation(client, dossier)
    code = re.search(r'class="receipt-code">([^<]+)<', page).group(1)
    assert CROCKFORD_GROUPS.match(code), code
    assert len(code.replace("-", "")) * 5 == 80  # bits: as strong as the 20 hex digits it replaces


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c,
        lambda c: c.lower(),
        lambda c: c.replace("-", ""),
        lambda c: c.replace("-", " ").lower(),
        lambda c: "  " + c.replace("-", "—") + " ",
        lambda c: c.replace("0", "O").replace("1", "l"),
    ],
    ids=["as_shown", "lower_case", "no_dashes", "spaces", "other_dashes", "look_alike_letters"],
)
def test_a_receipt_code_is_accepted_typed_any_way(typed):
    dossier = file_suggestion(Client(), anonymous=True)
    code = receipts.issue_receipt_code(dossier)
    dossier.refresh_from_db()
    assert receipts.receipt_matches(dossier, typed(code))
    assert not receipts.receipt_matches(dossier, code[:-1] + ("A" if code[-1] != "A" else "B"))


def test_a_code_issued_in_the_first_format_still_opens_its_file():
    dossier = file_suggestion(Client(), anonymous=True)
    old_code = "1A2B-3C4D-5E6F-7A8B-9C0D"
    key = f"guichet.dossiers.receipt:{settings.SECRET_KEY}".encode()
    # How the first codes were stored: the code as shown, dashes included.
    stored = hmac.new(key, f"{dossier.reference}:{old_code}".encode(), hashlib.sha256).hexdigest()
    Dossier.objects.filter(pk=dossier.pk).update(receipt_hash=stored)
    dossier.refresh_from_db()
    for typed in (old_code, old_code.lower(), old_code.replace("-", ""), old_code.replace("-", " ")):
        assert receipts.receipt_matches(dossier, typed), typed
    assert not receipts.receipt_matches(dossier, "1A2B-3C4D-5E6F-7A8B-9C0E")


def test_the_receipt_code_can_be_saved_as_text_and_printed():
    client = Client()
    dossier = file_suggestion(client, anonymous=True)
    page = _confirmation(client, dossier)
    code = re.search(r'class="receipt-code">([^<]+)<', page).group(1)
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" download="([^"]+)"', page)
    assert link, "no link to save the code as a text file"
    text = unquote(link.group(1))
    assert dossier.reference in text
    assert code in text
    assert link.group(2).endswith(f"{dossier.reference}.txt")
    assert "data-print" in page
    assert "guichet/receipt" in page  # the script that shows and wires the print button
