"""At most KDF_CONCURRENCY Argon2id derivations run at once in a process; past that a request
waits, and one that cannot wait long enough is told to try again, losing nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from nacl import pwhash

from guichet.core.errors import InvalidInput, RateLimited
from guichet.denunciations import crypto, services
from guichet.denunciations.models import Report
from tests.denunciations.conftest import facts, file_anonymous


@pytest.fixture
def one_slot(settings: Any) -> None:
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_CONCURRENCY": 1,
        "RECEIPT_WAIT_SECONDS": 0,
    }


def test_a_receipt_code_checked_while_every_slot_is_taken_is_not_counted_as_wrong(world, one_slot):
    filed = file_anonymous()
    with crypto.argon2_slot(1), pytest.raises(RateLimited, match="Many people are using this service"):
        services.open_with_receipt(filed.receipt_code, bucket="b1")
    # Nothing counted against the connection: the right code opens at once, and wrong ones
    # still get their free attempts.
    report, _key = services.open_with_receipt(filed.receipt_code, bucket="b1")
    assert report.pk == Report.objects.get().pk


def test_a_report_sent_while_every_slot_is_taken_is_kept_for_another_try(world, settings, monkeypatch):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "KDF_CONCURRENCY": 1}
    monkeypatch.setattr(crypto, "DEFAULT_WAIT_SECONDS", 0.2)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with crypto.argon2_slot(1):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(InvalidInput, match="still on this page"):
            services.file_report(mode="anonymous", facts=facts())
    finally:
        release.set()
        holder.join()
    assert time.monotonic() - started < 5
    assert not Report.objects.exists()  # nothing half-filed
    assert file_anonymous().receipt_code  # and once free, it goes through


def test_derivations_beyond_the_cap_wait_their_turn(settings, monkeypatch):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "KDF_CONCURRENCY": 2}
    real_kdf = pwhash.argon2id.kdf
    running, most = [0], [0]
    lock = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> bytes:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)  # long enough for the others to pile up
            return real_kdf(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(pwhash.argon2id, "kdf", counted)
    results: list[bytes] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(crypto.derive_key("1234567890123456", b"s" * 16, 1, 8))
        )
        for _i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6  # every one done, in turn
    assert len(set(results)) == 1
    assert most[0] == 2
