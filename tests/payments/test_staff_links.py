"""Staff find a file's payments and the finance page by links, without typing an address."""

from __future__ import annotations

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers.states import DossierState
from guichet.payments import services
from tests.factories import StaffFactory, make_dossier
from tests.payments.helpers import callback_for
from tests.payments.test_finance import staff_client


def test_the_back_office_file_page_links_to_the_files_payments(dossier):
    agent = staff_client(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    payments_page = f"/paiements/agents/dossiers/{dossier.reference}/"

    html = agent.get(f"/agents/dossiers/{dossier.reference}/").content.decode()

    assert f'href="{payments_page}"' in html
    assert agent.get(payments_page).status_code == 200


def test_a_free_file_has_no_payments_link(db):
    free = make_dossier(state=DossierState.IN_REVIEW)
    assert free.fee_total == 0
    agent = staff_client(StaffFactory(roles=[(free.unit, Role.AGENT)]))

    response = agent.get(f"/agents/dossiers/{free.reference}/")

    assert response.status_code == 200
    assert free.reference in response.content.decode()
    assert "/paiements/agents/dossiers/" not in response.content.decode()


def test_the_finance_page_is_in_the_menu_of_cashiers_only(dossier):
    cashier = staff_client(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))
    agent = staff_client(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))

    assert 'href="/paiements/finance/"' in cashier.get("/agents/").content.decode()
    assert 'href="/paiements/finance/"' not in agent.get("/agents/").content.decode()
    finance = cashier.get("/paiements/finance/").content.decode()
    assert 'href="/paiements/finance/" aria-current="page"' in finance


def test_the_finance_page_names_services_methods_and_states_in_words(client, dossier, paygate):
    applicant = Actor.for_user(dossier.applicant)
    callback_for(
        client, services.start_payment(dossier, actor=applicant, network="TMONEY", phone="70000001").payment
    )
    cashier = staff_client(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))

    html = cashier.get("/paiements/finance/").content.decode()

    assert "<td>Mixx by Yas (T-Money)</td><td>Paid</td>" in html
    assert "<td>TMONEY</td>" not in html
    service = dossier.service
    assert f"<td>{service.title_fr}</td>" in html  # the service by its title, not its code
    assert f"<td>{service.code}</td>" not in html
    cashier.post("/i18n/setlang/", {"language": "en", "next": "/paiements/finance/"})
    english = cashier.get("/paiements/finance/").content.decode()
    assert f"<td>{service.title_en}</td>" in english
