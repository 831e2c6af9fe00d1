"""The three authorization procedures as their service files define them: what each asks, refuses, costs."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from guichet.catalog.definition import ServiceDefinition, document_slot, parse_definition
from guichet.catalog.fees import fee_rules
from guichet.catalog.lists import ecowas_codes
from guichet.catalog.models import Service
from guichet.catalog.validation import validate_answers, validate_filing
from guichet.catalog.validators import notices_for
from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import services as dossiers
from guichet.dossiers.states import DossierState
from tests.factories import CitizenFactory, load_mspc_catalog

SERVICES = Path(settings.BASE_DIR) / "guichet" / "catalog" / "services"


def definition(name: str) -> ServiceDefinition:
    return parse_definition(yaml.safe_load((SERVICES / f"{name}.yaml").read_text(encoding="utf-8")))


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def months_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=round(30.5 * n))).isoformat()


# --- answers that pass ---------------------------------------------------------------------------------


def tinted_answers() -> dict[str, Any]:
    return {
        "full_name": "Kossi Amegah",
        "id_type": "national_id",
        "id_number": "0123-456-789",
        "niu": "",
        "phone": "+22890112233",
        "plate": "TG 1234 AB",
        "vin": "VF1RFB0005A123456",
        "make": "Toyota",
        "model": "Land Cruiser",
        "colour": "Noir",
        "windows": ["rear_window", "rear_side"],
        "tint_level": "medium",
        "ground": "by_right",
        "office": "general_officer",
        "criminal_record_date": months_ago(1),
    }


def event_answers() -> dict[str, Any]:
    return {
        "organiser_type": "company",
        "full_name": "Kossi Amegah",
        "company_name": "Golfe Événements SARL",
        "rccm": "TG-LOM-2019-B-1234",
        "phone": "+22890112233",
        "event_type": "concert",
        "event_date": days(20),
        "start_time": "18:00",
        "end_date": days(21),
        "end_time": "02:00",
        "expected_attendance": 1500,
        "venue_name": "Palais des congrès",
        "prefecture": "golfe",
        "commune": "golfe-1",
        "address": "Boulevard du 13 janvier",
        "setting": "indoor",
        "procession": "no",
        "vips": "no",
        "alcohol": "yes",
        "ticketing": "yes",
        "private_security": "no",
        "special_risks": "",
        "requested_agents": 6,
    }


def traveller(key: str, passport: str, *, nationality: str = "FR", expiry_days: int = 2000) -> dict[str, Any]:
    return {
        "_key": key,
        "surname": "DUPONT",
        "given_names": "Marie Claire",
        "sex": "F",
        "birth_date": "1985-04-12",
        "birth_place": "Lyon",
        "nationality": nationality,
        "passport_number": passport,
        "passport_issue": "2022-01-10",
        "passport_expiry": days(expiry_days),
    }


def entry_answers(travellers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "purpose": "work",
        "sponsor": "Togo Logistique SA",
        "sponsor_phone": "+22822210000",
        "arrival_date": days(14),
        "port_of_entry": "lfw-airport",
        "stay_days": "30",
        "address_in_togo": "Hôtel du 2 Février, Lomé",
        "travellers": travellers
        if travellers is not None
        else [traveller("aaaa0001", "12AB34567"), traveller("aaaa0002", "12AB34568")],
    }


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("vitres_teintees", tinted_answers),
        ("couverture_securitaire", event_answers),
        ("autorisation_entree", entry_answers),
    ],
)
def test_good_answers_pass(name, answers):
    _cleaned, errors = validate_answers(definition(name), answers())
    assert errors == {}


def test_the_plate_and_vin_are_stored_normalised():
    cleaned, _errors = validate_answers(
        definition("vitres_teintees"), {**tinted_answers(), "plate": "tg-1234 ab"}
    )
    assert cleaned["plate"] == "TG1234AB"
    assert cleaned["vin"] == "VF1RFB0005A123456"


# --- the list of bad input, each refused with a clear message in both languages -------------------


def errors_in(name: str, answers: dict[str, Any], language: str) -> dict[str, list[str]]:
    with translation.override(language):
        return validate_answers(definition(name), answers)[1]


BAD = [
    # service, changed answers, where the error shows, English words, French words
    (
        "vitres_teintees",
        {"plate": "-- .. --"},
        "plate",
        "Enter the plate with its letters",
        "Saisissez la plaque",
    ),
    (
        "vitres_teintees",
        {"vin": "VF1RFB00O5A123456"},
        "vin",
        "never contains the letter O",
        "jamais la lettre O",
    ),
    (
        "vitres_teintees",
        {"criminal_record_date": months_ago(4)},
        "criminal_record_date",
        "more than 3 months ago",
        "plus de 3 mois",
    ),
    ("vitres_teintees", {"ground": "by_right", "office": ""}, "office", "Office held", "Fonction occupée"),
    (
        "vitres_teintees",
        {"ground": "exceptional", "exceptional_reason": ""},
        "exceptional_reason",
        "Describe the reason",
        "Décrivez le motif",
    ),
    ("couverture_securitaire", {"event_date": days(-1)}, "event_date", "already past", "déjà passée"),
    ("couverture_securitaire", {"event_date": days(3)}, "event_date", "call 117", "appelez le 117"),
    (
        "couverture_securitaire",
        {"end_date": "", "end_time": "17:00"},
        "end_time",
        "must end after it starts",
        "doit finir après",
    ),
    (
        "couverture_securitaire",
        {"procession": "yes", "procession_route": ""},
        "procession_route",
        "Route of the procession",
        "Itinéraire",
    ),
    (
        "couverture_securitaire",
        {"expected_attendance": "beaucoup"},
        "expected_attendance",
        "whole number",
        "nombre entier",
    ),
    (
        "autorisation_entree",
        {"arrival_date": days(3)},
        "arrival_date",
        "at least 7 days before you travel",
        "au moins 7 jours avant le voyage",
    ),
    (
        "autorisation_entree",
        {"travellers": []},
        "travellers",
        "Add at least one traveller",
        "Ajoutez au moins un voyageur",
    ),
    (
        "autorisation_entree",
        {"travellers": [traveller("aaaa0001", "12AB34567"), traveller("aaaa0002", "12 ab 34567")]},
        "travellers-aaaa0002-passport_number",
        "Traveller 2 has the same passport number as Traveller 1",
        "Voyageur 2 a le même numéro de passeport que Voyageur 1",
    ),
    (
        "autorisation_entree",
        {"travellers": [traveller("aaaa0001", "12AB34567", expiry_days=14 + 150)]},  # 5 months after arrival
        "travellers-aaaa0001-passport_expiry",
        "less than 6 months after the arrival",
        "moins de 6 mois après l’arrivée",
    ),
    (
        "autorisation_entree",
        {"travellers": [traveller("aaaa0001", "12AB/34567")]},
        "travellers-aaaa0001-passport_number",
        "remove “/”",
        "retirez « / »",
    ),
]


@pytest.mark.usefixtures("project_translations")
@pytest.mark.parametrize(("name", "changes", "where", "english", "french"), BAD)
def test_bad_input_is_refused_where_it_was_typed(name, changes, where, english, french):
    base = {
        "vitres_teintees": tinted_answers,
        "couverture_securitaire": event_answers,
        "autorisation_entree": entry_answers,
    }
    answers = {**base[name](), **changes}
    in_english = errors_in(name, answers, "en")
    in_french = errors_in(name, answers, "fr")
    assert where in in_english, in_english
    assert english in " ".join(in_english[where])
    assert french in " ".join(in_french[where])


def test_an_item_error_is_also_said_under_the_group_with_the_traveller_named():
    answers = {**entry_answers(), "travellers": [traveller("aaaa0001", "12AB34567", expiry_days=100)]}
    _cleaned, errors = validate_answers(definition("autorisation_entree"), answers)
    assert any(message.startswith("Traveller 1: ") for message in errors["travellers"])


def test_ten_thousand_travellers_are_refused_quickly():
    many = [traveller(f"{n:08x}", f"P{n:07d}") for n in range(10_000)]
    started = time.perf_counter()
    _cleaned, errors = validate_answers(
        definition("autorisation_entree"), {**entry_answers(), "travellers": many}
    )
    assert "At most 20 travellers per request" in " ".join(errors["travellers"])
    assert time.perf_counter() - started < 2.0


def test_a_step_saved_alone_is_judged_with_the_answers_saved_before():
    """Travellers saved after the trip: the arrival date comes from what is stored."""
    stored = {k: v for k, v in entry_answers().items() if k != "travellers"}
    late = {"travellers": [traveller("aaaa0001", "12AB34567", expiry_days=30)]}
    _cleaned, errors = validate_answers(
        definition("autorisation_entree"), late, fields=["travellers"], context=stored
    )
    assert "travellers-aaaa0001-passport_expiry" in errors
    # Saving the trip step alone does not judge travellers not yet entered.
    _cleaned, errors = validate_answers(definition("autorisation_entree"), stored, fields=list(stored))
    assert errors == {}


def test_ecowas_nationals_are_told_and_never_refused():
    assert {"BJ", "GH", "NG", "TG"} <= ecowas_codes()
    entry = definition("autorisation_entree")
    answers = entry_answers([traveller("aaaa0001", "B1234567", nationality="BJ")])
    _cleaned, errors = validate_answers(entry, answers)
    assert errors == {}
    assert entry.notices == ("ecowas_short_visit",)
    [notice] = notices_for(entry.notices, answers)
    assert notice.startswith("Marie Claire DUPONT is a national of an ECOWAS country: no visa is needed")


@pytest.mark.usefixtures("project_translations")
def test_the_ecowas_notice_names_each_such_traveller_in_both_languages():
    answers = entry_answers(
        [
            traveller("aaaa0001", "B1234567", nationality="BJ"),
            traveller("aaaa0002", "C1234567", nationality="FR"),
            traveller("aaaa0003", "G1234567", nationality="GH"),
        ]
    )
    with translation.override("fr"):
        [french] = notices_for(("ecowas_short_visit",), answers)
    with translation.override("en"):
        [english] = notices_for(("ecowas_short_visit",), answers)
    assert french.startswith(
        "Marie Claire DUPONT, Marie Claire DUPONT sont ressortissants de pays de la CEDEAO"
    )
    assert english.startswith("Marie Claire DUPONT, Marie Claire DUPONT are nationals of ECOWAS countries")
    assert notices_for(("ecowas_short_visit",), entry_answers()) == []
    nationality = definition("autorisation_entree").field("nationality")
    assert "ECOWAS" in nationality.help.en
    assert "CEDEAO" in nationality.help.fr


def test_contract_is_asked_for_work_only():
    entry = definition("autorisation_entree")
    documents = set()
    _cleaned, errors = validate_filing(entry, {**entry_answers(), "purpose": "work"}, documents=documents)
    assert "contract" in errors
    _cleaned, errors = validate_filing(entry, {**entry_answers(), "purpose": "mission"}, documents=documents)
    assert "contract" not in errors


# --- fees --------------------------------------------------------------------------------------------------


def amounts(name: str, answers: dict[str, Any]) -> list[int]:
    d = definition(name)
    return [line.amount for line in fee_rules[d.fee.rule].lines(d.fee.params, answers)]


def test_tinted_windows_cost_review_fee_and_stamp():
    assert amounts("vitres_teintees", tinted_answers()) == [10_000, 2_000]


def test_event_security_costs_the_file_fee_at_filing():
    assert amounts("couverture_securitaire", event_answers()) == [5_000]


@pytest.mark.parametrize(("stay", "each"), [("15", 35_000), ("30", 45_000), ("90", 65_000)])
def test_entry_costs_per_traveller_by_length_of_stay(stay, each):
    answers = {**entry_answers(), "stay_days": stay}
    assert sum(amounts("autorisation_entree", answers)) == 2 * each


def test_fees_follow_the_settings(settings):
    settings.GUICHET = {
        **settings.GUICHET,
        "FEES": {**settings.GUICHET["FEES"], "tinted_windows_review": 15_000, "entry_30_days": 50_000},
    }
    assert amounts("vitres_teintees", tinted_answers()) == [15_000, 2_000]
    assert sum(amounts("autorisation_entree", entry_answers())) == 100_000


# --- filing through the use cases, up to "awaiting payment" -----------------------------------------------


def upload(name: str) -> SimpleUploadedFile:
    if name.endswith(".png"):
        side = 400 if name.startswith("photo") else 64  # a face is recognisable from 300 pixels a side
        return SimpleUploadedFile(name, demo_png(side, side), content_type="image/png")
    return SimpleUploadedFile(name, demo_pdf(name), content_type="application/pdf")


def file_request(code: str, answers: dict[str, Any], documents: dict[str, str]):
    load_mspc_catalog()
    citizen = CitizenFactory()
    actor = Actor.for_user(citizen)
    dossier = dossiers.start_dossier(Service.objects.get(code=code), actor=actor, language="fr")
    dossiers.save_answers(dossier, actor=actor, answers=answers)
    for slot, name in documents.items():
        dossiers.attach_document(dossier, actor=actor, field_name=slot, upload=upload(name))
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    return dossier


@pytest.mark.django_db
def test_a_tinted_window_request_waits_for_12000_fcfa():
    dossier = file_request(
        "vitres-teintees",
        tinted_answers(),
        {
            "office_proof": "nomination.pdf",
            "cover_letter": "lettre.pdf",
            "criminal_record": "casier.pdf",
            "id_scan": "cni.png",
            "registration_card": "carte-grise.png",
        },
    )
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == 12_000
    assert dossier.answers["plate"] == "TG1234AB"


@pytest.mark.django_db
def test_an_event_security_request_waits_for_its_file_fee():
    dossier = file_request(
        "couverture-securitaire",
        event_answers(),
        {"venue_authorization": "autorisation-lieu.pdf", "site_plan": "plan.png"},
    )
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == 5_000


@pytest.mark.django_db
def test_an_entry_request_for_two_travellers_waits_for_two_fees():
    documents = {"contract": "contrat.pdf"}
    for key in ("aaaa0001", "aaaa0002"):
        documents[document_slot("photo", key)] = "photo.png"
        documents[document_slot("passport_scan", key)] = "passeport.pdf"
        documents[document_slot("criminal_record", key)] = "casier.pdf"
    dossier = file_request("autorisation-entree", entry_answers(), documents)
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == 2 * 45_000


@pytest.mark.django_db
def test_an_entry_request_without_a_travellers_photo_is_not_filed():
    documents = {"contract": "contrat.pdf"}
    for key in ("aaaa0001", "aaaa0002"):
        documents[document_slot("passport_scan", key)] = "passeport.pdf"
        documents[document_slot("criminal_record", key)] = "casier.pdf"
    documents[document_slot("photo", "aaaa0001")] = "photo.png"
    with pytest.raises(InvalidInput) as error:
        file_request("autorisation-entree", entry_answers(), documents)
    assert "travellers-aaaa0002-photo" in error.value.errors


@pytest.mark.django_db
def test_a_pdf_is_not_a_photo():
    load_mspc_catalog()
    citizen = CitizenFactory()
    actor = Actor.for_user(citizen)
    dossier = dossiers.start_dossier(
        Service.objects.get(code="autorisation-entree"), actor=actor, language="fr"
    )
    dossiers.save_answers(dossier, actor=actor, answers=entry_answers())
    with pytest.raises(InvalidInput, match="JPEG, PNG"):
        dossiers.attach_document(
            dossier, actor=actor, field_name=document_slot("photo", "aaaa0001"), upload=upload("photo.pdf")
        )


# --- a step's form applies the service's rules too (what it accepts, save_answers accepts) -------------


def test_the_event_step_form_refuses_an_end_before_the_start():
    from guichet.catalog.forms import StepForm

    event = definition("couverture_securitaire")
    step = event.step("event")
    typed = {k: v for k, v in event_answers().items() if k in {f.name for f in step.fields}}
    form = StepForm({**typed, "end_date": "", "end_time": "17:00"}, step=step, answers={})
    assert not form.is_valid()
    assert "must end after it starts" in " ".join(form.errors["end_time"])
    form = StepForm(typed, step=step, answers={})
    assert form.is_valid(), form.errors


def test_the_travellers_step_form_refuses_a_passport_expiring_too_soon_after_arrival():
    from guichet.catalog.forms import StepForm

    entry = definition("autorisation_entree")
    stored = {k: v for k, v in entry_answers().items() if k != "travellers"}
    item = traveller("aaaa0001", "12AB34567", expiry_days=60)
    data = {f"travellers-aaaa0001-{name}": value for name, value in item.items() if name != "_key"}
    data["travellers"] = "aaaa0001"  # the item keys, as the page's hidden field sends them
    form = StepForm(
        data, step=entry.step("travellers"), answers={**stored, "travellers": [{"_key": "aaaa0001"}]}
    )
    assert not form.is_valid()
    assert "less than 6 months after the arrival" in str(form.errors)


def test_an_unknown_rule_is_refused_when_the_file_is_loaded():
    from guichet.catalog.errors import DefinitionError

    data = yaml.safe_load((SERVICES / "couverture_securitaire.yaml").read_text(encoding="utf-8"))
    data["rules"] = ["no_such_rule"]
    with pytest.raises(DefinitionError, match="rules: unknown rule 'no_such_rule'"):
        parse_definition(data)


@pytest.mark.django_db
def test_a_thumbnail_is_not_a_photo():
    load_mspc_catalog()
    actor = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(
        Service.objects.get(code="autorisation-entree"), actor=actor, language="fr"
    )
    dossiers.save_answers(dossier, actor=actor, answers=entry_answers())
    thumbnail = SimpleUploadedFile("photo.png", demo_png(64, 64), content_type="image/png")
    with pytest.raises(InvalidInput, match="at least 300 pixels on each side") as error:
        dossiers.attach_document(
            dossier, actor=actor, field_name=document_slot("photo", "aaaa0001"), upload=thumbnail
        )
    assert list(error.value.errors) == ["photo@aaaa0001"]
    # The passport scan of the same traveller is a document, not a photo: any legible size.
    dossiers.attach_document(
        dossier,
        actor=actor,
        field_name=document_slot("passport_scan", "aaaa0001"),
        upload=upload("passeport.png"),
    )


# --- a group's files: each traveller's slot counts apart, and a big group has room ----------------------


@pytest.mark.django_db
def test_a_travellers_photo_takes_two_files_and_another_traveller_has_their_own():
    load_mspc_catalog()
    actor = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(
        Service.objects.get(code="autorisation-entree"), actor=actor, language="fr"
    )
    dossiers.save_answers(dossier, actor=actor, answers=entry_answers())
    first, second = document_slot("photo", "aaaa0001"), document_slot("photo", "aaaa0002")
    dossiers.attach_document(dossier, actor=actor, field_name=first, upload=upload("photo.png"))
    dossiers.attach_document(dossier, actor=actor, field_name=first, upload=upload("photo.png"))
    with pytest.raises(InvalidInput, match="at most 2 files"):
        dossiers.attach_document(dossier, actor=actor, field_name=first, upload=upload("photo.png"))
    dossiers.attach_document(dossier, actor=actor, field_name=second, upload=upload("photo.png"))
    assert dossier.documents.count() == 3


@pytest.mark.django_db
def test_a_team_of_twelve_files_all_its_documents_past_the_single_request_limits(settings):
    settings.GUICHET_MAX_DOCUMENTS_PER_DOSSIER = 30
    settings.GUICHET = {**settings.GUICHET, "UPLOAD_MAX_TOTAL_MB": 1, "UPLOAD_MAX_TOTAL_MB_PER_ITEM": 1}
    keys = [f"bbbb{n:04d}" for n in range(12)]
    answers = entry_answers([traveller(key, f"P{n:07d}") for n, key in enumerate(keys)])
    documents = {"contract": "contrat.pdf"}
    for key in keys:
        documents[document_slot("photo", key)] = "photo.png"
        documents[document_slot("passport_scan", key)] = "passeport.pdf"
        documents[document_slot("criminal_record", key)] = "casier.pdf"
    assert len(documents) == 37  # more than the 30 files one person's request may hold
    dossier = file_request("autorisation-entree", answers, documents)
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 12 * 45_000)
