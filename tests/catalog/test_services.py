"""Publishing service files: the MSPC catalogue, versions, and what a bad file says."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from guichet.accounts.models import Administration
from guichet.audit.models import AuditEvent
from guichet.catalog.definition import DefinitionError
from guichet.catalog.models import Service, ServiceVersion
from guichet.catalog.services import load_catalog, publish_service
from guichet.core.actors import SYSTEM
from guichet.dossiers.states import DossierState
from tests.factories import load_mspc_catalog, make_dossier

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.GUICHET["CATALOG_DIR"])


def suggestion_source() -> str:
    return (CATALOG / "suggestion.yaml").read_text(encoding="utf-8")


def test_both_mspc_service_files_load():
    results = load_catalog()

    assert sorted((v.service.code, v.number, created) for v, created in results) == [
        ("autorisation-entree", 1, True),
        ("cloture-electrifiee", 1, True),
        ("couverture-securitaire", 1, True),
        ("suggestion", 1, True),
        ("vitres-teintees", 1, True),
    ]
    suggestion = Service.objects.get(code="suggestion")
    assert suggestion.unit.code == "cabinet"
    assert suggestion.administration.code == "mspc"
    assert suggestion.title_en == "Send a suggestion to the ministry"
    assert suggestion.current_version is not None
    assert suggestion.current_version.definition.is_answered is True
    fence = Service.objects.get(code="cloture-electrifiee")
    assert fence.unit.code == "protection-civile"
    assert [d.name for d in fence.current_version.definition.documents] == [
        "id_document",
        "property_title",
        "site_plan",
        "installer_certificate",
    ]
    assert set(Service.objects.published().values_list("code", flat=True)) == {
        "suggestion",
        "cloture-electrifiee",
        "vitres-teintees",
        "couverture-securitaire",
        "autorisation-entree",
    }
    assert AuditEvent.objects.filter(verb="service.published").count() == 5


def test_loading_twice_publishes_nothing_new():
    load_catalog()

    again = load_catalog()

    assert [created for _v, created in again] == [False] * 5
    assert ServiceVersion.objects.count() == 5
    assert AuditEvent.objects.filter(verb="service.published").count() == 5


def test_load_catalog_command_says_what_it_did():
    call_command("load_catalog")

    out = StringIO()
    call_command("load_catalog", stdout=out)

    assert "suggestion: v1 unchanged" in out.getvalue()


def test_a_changed_file_makes_version_2_and_a_filed_dossier_keeps_version_1():
    dossier = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    data = yaml.safe_load(suggestion_source())
    data["sla_days"] = 5
    data["title"]["fr"] = "Suggérer une amélioration"

    version, created = publish_service(
        yaml.safe_dump(data, allow_unicode=True), actor=SYSTEM, note="plus court"
    )

    assert (version.number, created, version.note) == (2, True, "plus court")
    service = Service.objects.get(code="suggestion")
    assert service.current_version == version
    assert service.title_fr == "Suggérer une amélioration"
    dossier.refresh_from_db()
    assert dossier.service_version.number == 1
    assert dossier.definition.sla_days == 10
    assert make_dossier("suggestion").service_version.number == 2


def test_formatting_alone_does_not_make_a_new_version():
    load_mspc_catalog()
    reformatted = "# A comment added by an administrator\n" + suggestion_source().replace(
        "fee: {rule: free}", "fee:\n  rule: free"
    )

    version, created = publish_service(reformatted, actor=SYSTEM)

    assert (version.number, created) == (1, False)


def test_publishing_needs_a_known_administration_and_unit():
    load_mspc_catalog()
    data = yaml.safe_load(suggestion_source())

    with pytest.raises(DefinitionError, match=r"suggestion\.unit: no unit 'douane'"):
        publish_service(yaml.safe_dump({**data, "unit": "douane"}), actor=SYSTEM)
    with pytest.raises(DefinitionError, match=r"suggestion\.administration: no administration 'mef'"):
        publish_service(yaml.safe_dump({**data, "administration": "mef"}), actor=SYSTEM)
    assert ServiceVersion.objects.filter(service__code="suggestion").count() == 1


def test_a_yaml_syntax_error_is_a_definition_error():
    with pytest.raises(DefinitionError, match="YAML"):
        publish_service("code: [unclosed", actor=SYSTEM)


def test_an_empty_file_is_refused():
    with pytest.raises(DefinitionError, match="mapping"):
        publish_service("", actor=SYSTEM)


def test_a_refused_file_changes_nothing():
    load_mspc_catalog()
    data = yaml.safe_load(suggestion_source())
    data["steps"][0]["fields"][0]["type"] = "dropdown"

    with pytest.raises(
        DefinitionError, match=r"fields\[0\] \(category\)\.type: unknown field type 'dropdown'"
    ):
        publish_service(yaml.safe_dump(data), actor=SYSTEM)

    assert Service.objects.get(code="suggestion").current_version.number == 1
    assert ServiceVersion.objects.filter(service__code="suggestion").count() == 1


def test_load_catalog_names_the_file_at_fault(tmp_path):
    load_mspc_catalog()
    (tmp_path / "broken.yaml").write_text(
        suggestion_source().replace("prefix: SUG", "prefix: S"), encoding="utf-8"
    )

    with pytest.raises(DefinitionError, match=r"broken\.yaml: suggestion\.prefix"):
        load_catalog(tmp_path)
    with pytest.raises(CommandError, match=r"broken\.yaml"):
        call_command("load_catalog", dir=tmp_path)


def test_an_administration_file_loads_its_units_and_can_rename_them(tmp_path):
    (tmp_path / "_mef.yaml").write_text(
        "code: mef\nname: {fr: Ministère des Finances, en: Ministry of Finance}\n"
        "units:\n  - {code: douanes, name: {fr: Douanes, en: Customs}}\n",
        encoding="utf-8",
    )
    load_catalog(tmp_path)
    (tmp_path / "_mef.yaml").write_text(
        "code: mef\nname: {fr: Ministère de l'Économie, en: Ministry of Economy}\n"
        "units:\n  - {code: douanes, name: {fr: Douanes togolaises, en: Togo Customs}}\n",
        encoding="utf-8",
    )

    load_catalog(tmp_path)

    mef = Administration.objects.get(code="mef")
    assert (mef.name_fr, mef.name_en) == ("Ministère de l'Économie", "Ministry of Economy")
    assert list(mef.units.values_list("code", "name_en")) == [("douanes", "Togo Customs")]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("- mef\n", "_bad.yaml: administration: the file must hold a mapping"),
        ("name: {fr: A, en: B}\n", "_bad.yaml: administration.code: required"),
        ("code: mef\nname: Finances\n", "_bad.yaml: mef.name: a text needs both 'fr' and 'en'"),
        ("code: mef\nname: {fr: A, en: B}\nunits: douanes\n", "_bad.yaml: mef.units: a list"),
        ("code: mef\nname: {fr: A, en: B}\nunits: [douanes]\n", "_bad.yaml: mef.units[0]: a mapping"),
        ("code: mef\nname: {fr: A, en: B}\nunits: [{code: d}]\n", "_bad.yaml: mef.units[0].name"),
    ],
)
def test_a_bad_administration_file_is_refused_with_its_key_named(tmp_path, source, message):
    (tmp_path / "_bad.yaml").write_text(source, encoding="utf-8")

    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)

    assert message in str(error.value)
    assert not Administration.objects.filter(code="mef").exists()
