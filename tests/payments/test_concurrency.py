"""Races, on PostgreSQL (SQLite serialises writers, so it cannot show a race): run with DATABASE_URL set."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from guichet.core.actors import Actor
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.payments import refunds, services
from guichet.payments.models import Payment, PaymentEvent, Receipt
from guichet.payments.states import PaymentState
from tests.payments.conftest import awaiting_dossier
from tests.payments.helpers import callback_for, payer_acts

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
]


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at once; return results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_callbacks_apply_the_success_once(paygate):
    dossier = awaiting_dossier()
    payment = services.start_payment(
        dossier, actor=Actor.for_user(dossier.applicant), network="TMONEY", phone="90 12 34 56"
    ).payment
    payer_acts(paygate, payment)
    results = together(8, lambda i: callback_for(Client(), payment).status_code)
    assert results == [200] * 8
    assert Payment.objects.get().state == PaymentState.SUCCEEDED
    assert Receipt.objects.count() == 1
    assert PaymentEvent.objects.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    assert Dossier.objects.get().events.filter(to_state="paid").count() == 1


def test_two_tabs_starting_at_once_make_one_payment(paygate):
    dossier = awaiting_dossier()
    actor = Actor.for_user(dossier.applicant)
    results = together(
        6,
        lambda i: (
            services.start_payment(dossier, actor=actor, network="TMONEY", phone="90 12 34 56").payment.pk
        ),
    )
    assert len(set(results)) == 1, results
    assert Payment.objects.count() == 1
    assert len(paygate.by_identifier) == 1


def test_receipt_numbers_have_no_gap_under_concurrent_successes(paygate):
    payments = []
    for _ in range(10):
        dossier = awaiting_dossier()
        payment = services.start_payment(
            dossier, actor=Actor.for_user(dossier.applicant), network="FLOOZ", phone="96 12 34 56"
        ).payment
        payer_acts(paygate, payment)
        payments.append(payment)
    results = together(10, lambda i: services.check_payment(payments[i]).state)
    assert results == [PaymentState.SUCCEEDED] * 10
    assert sorted(Receipt.objects.values_list("sequence", flat=True)) == list(range(1, 11))
    assert Dossier.objects.filter(state=DossierState.IN_REVIEW).count() == 10


def test_two_refund_requests_at_once_never_exceed_the_payment(paygate):
    from guichet.accounts.roles import Role
    from guichet.core.errors import InvalidInput
    from guichet.payments.models import Refund
    from tests.factories import StaffFactory

    dossier = awaiting_dossier()
    payment = services.start_payment(
        dossier, actor=Actor.for_user(dossier.applicant), network="TMONEY", phone="70000001"
    ).payment
    services.check_payment(payment)
    agents = [Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)])) for _ in range(4)]
    results = together(
        4, lambda i: refunds.request_refund(payment, actor=agents[i], amount=8000, reason="Paid twice")
    )
    assert sum(isinstance(result, Refund) for result in results) == 1
    assert sum(isinstance(result, InvalidInput) for result in results) == 3
    payment.refresh_from_db()
    assert payment.refundable == 4000
