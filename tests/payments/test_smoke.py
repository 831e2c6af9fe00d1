from guichet.dossiers.states import DossierState
from guichet.payments import services
from guichet.payments.states import PaymentState


def test_start_puts_the_prompt_on_the_phone(paygate, dossier, applicant):
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == 12000
    started = services.start_payment(dossier, actor=applicant, network="TMONEY", phone="90 12 34 56")
    assert started.new
    assert started.payment.state == PaymentState.PENDING
    tx = paygate.by_identifier[started.payment.public_id]
    assert tx.amount == 12000
    assert tx.phone_number == "22890123456"
