"""Production refuses the sandbox gateways and their test keys."""

from __future__ import annotations

from guichet.payments.checks import check_payment_gateways

REAL = {
    "PAYGATE_URL": "https://paygateglobal.com",
    "PAYGATE_AUTH_TOKEN": "a-real-token",
    "FEDAPAY_URL": "https://api.fedapay.com",
    "FEDAPAY_SECRET_KEY": "sk_live_x",
    "FEDAPAY_WEBHOOK_SECRET": "wh_live_x",
}


def test_production_with_the_sandbox_defaults_is_refused(settings):
    settings.PRODUCTION = True
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS
    }  # the embedded defaults: sandboxes and test keys
    ids = sorted(error.id for error in check_payment_gateways(None))
    assert ids == ["guichet.E025"] * 2 + ["guichet.E026"] * 3


def test_production_with_real_gateways_passes(settings):
    settings.PRODUCTION = True
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, **REAL}
    assert check_payment_gateways(None) == []


def test_production_with_a_missing_secret_is_refused(settings):
    settings.PRODUCTION = True
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, **REAL, "FEDAPAY_WEBHOOK_SECRET": ""}
    assert [error.id for error in check_payment_gateways(None)] == ["guichet.E026"]


def test_the_embedded_run_may_use_the_sandboxes(settings):
    settings.PRODUCTION = False
    assert check_payment_gateways(None) == []
