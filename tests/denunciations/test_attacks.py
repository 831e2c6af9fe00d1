"""Issue 10, "Bad input and attacks": each item as a test, through HTTP."""

from __future__ import annotations

import logging
import pickle
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from guichet.audit.models import AuditEvent
from guichet.core import ratelimit
from guichet.denunciations import crypto, privacy, services
from guichet.denunciations.models import IdentityApproval, Message, Mode, Report
from guichet.denunciations.trace import find
from guichet.notifications.models import Notification
from tests.denunciations.conftest import SENTENCE, facts, file_anonymous, png_upload, staff_client

CANARY_IP = "203.0.113.77"
CANARY_PROXY = "198.51.100.23"
CANARY_AGENT = "CanaryBrowser/9.9 (Phone; canary-ua-7731)"
CODE_IN_PAGE = re.compile(r"data-receipt-code>([0-9 ]{19})<")


def reporter(ip: str = CANARY_IP, **extra: Any) -> Client:
    return Client(
        REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR=f"{ip}, {CANARY_PROXY}", HTTP_USER_AGENT=CANARY_AGENT, **extra
    )


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "adult": "yes",
        "role": "witness",
        "date": "02/11/2026",
        "time": "14:30",
        "prefecture": "golfe",
        "commune": "golfe-1",
        "place": "Carrefour de Bè",
        "force": "police",
        "category": "racket",
        "money": "demanded",
        "amount": "5000",
        "narrative": SENTENCE,
    }
    return {**data, **overrides}


def file_through_the_site(client: Client, **overrides: Any) -> str:
    response = client.post(reverse("denunciations:new", args=["anonymous"]), form_data(**overrides))
    assert response.status_code == 200, response.content.decode()[:3000]
    match = CODE_IN_PAGE.search(response.content.decode())
    assert match, "no receipt code on the page"
    return match.group(1)


def cache_dump() -> bytes:
    """Every key and value of the cache (local memory or Redis), as bytes."""
    backend: Any = cache
    if hasattr(backend, "_cache") and isinstance(backend._cache, dict):
        return b"".join(
            str(k).encode() + (v if isinstance(v, bytes) else pickle.dumps(v))
            for k, v in backend._cache.items()
        )
    client = backend._cache.get_client()
    return b"".join(k + (client.get(k) or b"") for k in client.scan_iter("*"))


def test_a_whole_anonymous_report_leaves_no_address_browser_string_or_time(world, keys, settings, caplog):
    settings.GUICHET = {**settings.GUICHET, "TRUSTED_PROXIES": 1}
    caplog.set_level(logging.DEBUG)
    sessions_before = Session.objects.count()
    client = reporter()
    code = file_through_the_site(client, evidence=[png_upload()])
    assert client.post(reverse("denunciations:follow"), {"code": code}).status_code == 302
    assert client.get(reverse("denunciations:my_report")).status_code == 200
    assert (
        client.post(reverse("denunciations:reply"), {"body": "Il portait le matricule 4412."}).status_code
        == 302
    )
    assert client.get("/signalement/nulle-part/").status_code == 404  # a 404 logs the path
    assert client.post(reverse("denunciations:follow"), {"code": "0000 0000 0000 0000"}).status_code == 400
    services.notify_inspectors_of_new_work()
    inspector = staff_client(world.inspector, keys["inspector"])
    report = Report.objects.get()
    page = inspector.get(reverse("denunciations:inspection_report", args=[report.public_id]))
    assert SENTENCE in page.content.decode()

    canaries = [CANARY_IP, CANARY_PROXY, "canary-ua-7731", "CanaryBrowser"]
    assert find(canaries) == []
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert not any(c in logged for c in canaries)
    dumped = cache_dump()
    assert not any(c.encode() in dumped for c in canaries)
    outbox = " ".join(f"{n.recipient} {n.subject} {n.body}" for n in Notification.objects.all())
    assert Notification.objects.exists()
    assert not any(c in outbox for c in canaries)
    # No session row for the reporter, and what is logged from these pages is dated to the day.
    assert Session.objects.count() == sessions_before + 1  # the inspector's only
    for record in caplog.records:
        if "denunciation page" in record.getMessage():
            assert record.created % 86400 == 0
    # Filing is dated to the day; the reporter's actions write no audit row (a row has the exact time).
    assert set(
        AuditEvent.objects.filter(verb__startswith="denunciation").values_list("actor_kind", flat=True)
    ) == {"staff"}


def test_the_database_holds_neither_the_code_nor_a_sentence(world, keys, settings):
    code = file_through_the_site(reporter(), evidence=[png_upload()])
    digits = code.replace(" ", "")
    assert find([code, digits, SENTENCE, "Carrefour de Bè"]) == []
    call_command("denunciation_trace", text=[SENTENCE], code=code)
    # The search does find what is there (it can fail).
    assert find([Report.objects.get().public_id]) != []


def test_wrong_codes_slow_down_then_block_without_locking_out_the_right_code(world, keys, monkeypatch):
    code = file_through_the_site(reporter())
    attacker = reporter("203.0.113.80")
    cache.set("den-bucket-pepper", "fixed-pepper-for-this-test")
    other_ip = next(
        f"198.51.100.{n}"
        for n in range(1, 250)
        if privacy.bucket(f"198.51.100.{n}") != privacy.bucket("203.0.113.80")
    )
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    follow = reverse("denunciations:follow")
    for n in range(5):
        assert attacker.post(follow, {"code": f"{n:016d}"}).status_code == 400  # free tries
    waits = []
    for n in range(5, 18):
        assert attacker.post(follow, {"code": f"{n:016d}"}).status_code == 400
        waits.append(ratelimit.wait_seconds(f"den-receipt:{privacy.bucket('203.0.113.80')}"))
        blocked = attacker.post(follow, {"code": code})  # even the right code waits, unhashed, here
        assert blocked.status_code == 429
        now[0] += waits[-1]  # the attacker waits it out
    assert waits == sorted(waits)
    assert waits[0] == 2
    assert waits[-1] == ratelimit.MAX_WAIT_SECONDS
    # The right code from any other connection is never held back.
    assert reporter(other_ip).post(follow, {"code": code}).status_code == 302
    # After the wait, the right code opens from the attacker's own connection too.
    now[0] += ratelimit.MAX_WAIT_SECONDS
    assert attacker.post(follow, {"code": code}).status_code == 302
    assert b"203.0.113" not in cache_dump()


@pytest.mark.parametrize(
    "typed", ["ABCD EFGH JKMN PQRS", "1" * 64, "12345678901234567", "１２３４５６７８９０１２３４５６", ""]
)
def test_malformed_codes_are_refused_before_any_hashing(world, monkeypatch, typed):
    calls = []
    for name in ("lookup_hash", "derive_key"):
        real = getattr(crypto, name)
        monkeypatch.setattr(crypto, name, lambda *a, _real=real, **k: calls.append(1) or _real(*a, **k))
    response = reporter().post(reverse("denunciations:follow"), {"code": typed})
    assert response.status_code == 400
    assert calls == []


def test_a_message_equal_to_the_receipt_code_is_refused_with_a_warning(world, keys):
    client = reporter()
    code = file_through_the_site(client)
    client.post(reverse("denunciations:follow"), {"code": code})
    for body in (code, code.replace(" ", ""), code.replace(" ", "-")):
        response = client.post(reverse("denunciations:reply"), {"body": body})
        assert response.status_code == 400
        assert "Your message contains your receipt code" in response.content.decode()
    assert not Message.objects.exists()


def _report_urls(public_id: str, evidence_id: int) -> list[tuple[str, str, dict[str, str]]]:
    def url(name: str, *args: Any) -> str:
        return reverse(f"denunciations:{name}", args=[public_id, *args])

    return [
        ("get", url("inspection_report"), {}),
        ("post", url("inspection_message"), {"body": "x"}),
        ("post", url("inspection_state"), {"to": "closed", "outcome": "other", "note": "x"}),
        ("post", url("inspection_take"), {}),
        ("post", url("inspection_approve"), {}),
        ("get", url("inspection_identity"), {}),
        ("get", url("inspection_evidence", evidence_id), {}),
        ("post", url("inspection_original", evidence_id), {}),
    ]


def test_agents_supervisors_administrators_and_the_accused_units_inspector_get_404(world, keys):
    filed = services.file_report(
        mode=Mode.CONFIDENTIAL,
        facts=facts(force="police"),
        identity={"full_name": "Yao", "id_number": "", "phone": "+22890112233", "email": ""},
        files=[services.prepare_evidence(png_upload())],
    )
    report = filed.report
    evidence_id = report.evidence.get().pk
    everywhere = [
        ("get", reverse("denunciations:inspection"), {}),
        ("get", reverse("denunciations:unlock"), {}),
    ]
    for user in (world.agent, world.supervisor, world.administrator):
        client = staff_client(user)
        for method, url, data in everywhere + _report_urls(report.public_id, evidence_id):
            assert getattr(client, method)(url, data).status_code == 404, (user, url)
    conflicted = staff_client(world.police_inspector, keys["police_inspector"])
    assert report.public_id not in conflicted.get(reverse("denunciations:inspection")).content.decode()
    for method, url, data in _report_urls(report.public_id, evidence_id):
        assert getattr(conflicted, method)(url, data).status_code == 404, url
    report.refresh_from_db()
    assert report.state == "received"
    assert report.assignee is None
    assert not Message.objects.exists()
    assert not IdentityApproval.objects.exists()
    assert not AuditEvent.objects.filter(
        target_type="denunciations.report", target_id=str(report.pk)
    ).exists()
    assert staff_client(world.administrator).get("/admin/denunciations/").status_code in {302, 404}


def test_script_tags_and_javascript_links_are_shown_as_text(world, keys):
    attack = '<script>alert("x")</script><a href="javascript:alert(1)">clic</a>'
    text_fields = [
        "place",
        "unit_or_post",
        "officer_name",
        "officer_number",
        "vehicle_plate",
        "officer_description",
        "narrative",
        "witnesses",
        "map_point",
    ]
    filed = services.file_report(
        mode=Mode.CONFIDENTIAL,
        facts=facts(force="other", **dict.fromkeys(text_fields, attack)),
        identity=dict.fromkeys(["full_name", "id_number", "phone", "email"], attack),
    )
    services.reply_as_reporter(filed.report, body=attack)
    services.approve_identity_disclosure(world.inspector, filed.report)
    services.approve_identity_disclosure(world.colleague, filed.report)
    client = staff_client(world.inspector, keys["inspector"])
    for url in (
        reverse("denunciations:inspection_report", args=[filed.report.public_id]),
        reverse("denunciations:inspection_identity", args=[filed.report.public_id]),
    ):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert '<script>alert("x")' not in html
        assert 'href="javascript:' not in html


def test_every_form_needs_its_csrf_token(world, keys):
    filed = services.file_report(
        mode=Mode.ANONYMOUS, facts=facts(force="other"), files=[services.prepare_evidence(png_upload())]
    )
    evidence_id = filed.report.evidence.get().pk
    reporter_client = Client(enforce_csrf_checks=True)
    for url in (
        reverse("denunciations:new", args=["anonymous"]),
        reverse("denunciations:follow"),
        reverse("denunciations:reply"),
        reverse("denunciations:add_evidence"),
        reverse("denunciations:leave"),
    ):
        assert reporter_client.post(url, {}).status_code == 403, url
    inspector = staff_client(world.inspector, keys["inspector"])
    inspector.handler.enforce_csrf_checks = True
    for method, url, data in [
        *_report_urls(filed.report.public_id, evidence_id),
        ("post", reverse("denunciations:unlock"), {"password": "x"}),
        ("post", reverse("denunciations:lock"), {}),
    ]:
        if method == "post":
            assert inspector.post(url, data).status_code == 403, url
    assert not Message.objects.exists()


def test_pages_are_never_stored_and_carry_a_quick_exit(world):
    client = reporter()
    for url in (
        reverse("denunciations:start"),
        reverse("denunciations:new", args=["anonymous"]),
        reverse("denunciations:follow"),
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"
        assert "data-quick-exit" in response.content.decode()
    leave = client.get(reverse("denunciations:leave"))
    assert leave.status_code == 302
    assert leave["Location"].startswith("https://")


def test_citizens_get_404_and_strangers_are_sent_to_the_staff_sign_in(world, keys):
    from tests.factories import CitizenFactory

    filed = file_anonymous(force="other")
    citizen = Client()
    citizen.force_login(CitizenFactory())
    stranger = Client()
    url = reverse("denunciations:inspection_report", args=[filed.report.public_id])
    assert citizen.get(url).status_code == 404
    assert citizen.get(reverse("denunciations:inspection")).status_code == 404
    response = stranger.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:sign_in"))
    # Staff who have not passed the second factor are sent to sign in too, and read nothing.
    half = Client()
    half.force_login(world.inspector)
    assert half.get(url).status_code == 302
    assert not AuditEvent.objects.filter(verb="denunciation.read").exists()


def test_evidence_never_touches_the_disk_in_clear_and_oversized_posts_are_refused(
    world, settings, monkeypatch
):
    from django.core.files import uploadedfile

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django would spill anything bigger to a temporary file
    spilled = []
    real_init = uploadedfile.TemporaryUploadedFile.__init__
    monkeypatch.setattr(
        uploadedfile.TemporaryUploadedFile,
        "__init__",
        lambda self, *a, **k: spilled.append(a) or real_init(self, *a, **k),
    )
    file_through_the_site(reporter(), evidence=[png_upload()])
    assert spilled == []
    assert Report.objects.get().evidence.count() == 1

    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "MAX_FILES": 1,
        "MAX_FILE_MB": 1,
        "MAX_SENDING_MB": 1,
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (3 * 1024 * 1024))
    response = reporter().post(reverse("denunciations:new", args=["anonymous"]), form_data(evidence=[big]))
    assert response.status_code == 400
    assert "Your files together are over 1 MB" in response.content.decode()
    assert SENTENCE in response.content.decode()  # what was typed is kept
    assert Report.objects.count() == 1
