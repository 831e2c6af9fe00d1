#!/usr/bin/env python
"""Permit verification: QR sizes, server-side checks per second, and the public page against a bare view.

A benchmark, not a test: it prints its figures and always exits 0. Its last line is
`verify ratio: <number>` (requests per second of the public verification endpoint, a POST of a
genuine permit's QR text to /verifier/, over the same POST to a bare Django view; target >= 0.6).

    .venv/bin/python bench/verify_ratio.py                        # 3 rounds of 5 s each
    .venv/bin/python bench/verify_ratio.py --seconds 1 --rounds 1  # a quick look

1. Per permit type, a permit as large as issuing makes it (plate and VIN, holder cut at 24
   characters): claims bytes, COSE bytes, text characters, QR version at error correction M.
2. `verify_text` in this process against an in-memory trust: verifications per second.
3. The servers of `bench/http_ratio.py` (its machinery is imported, not copied): two gunicorn with
   production settings, one Guichet, one `bench/bare_site.py`, on a throw-away database where a
   signing key and the root key are made; then interleaved rounds of the same POST (same CSRF
   cookie and token, same Referer) to /verifier/ and to the bare view.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import bench.http_ratio  # noqa: E402
from bench.http_ratio import (  # noqa: E402
    HOST,
    Load,
    flush_cache,
    free_port,
    gunicorn,
    load_with_python,
    prepare_site,
    say,
    site_environment,
    throwaway_database,
)

TARGET = 0.6
SAMPLE_SUBJECTS = {
    1: ("TG-1234-AB", "VF1AB000123456789"),
    2: ("A01234567", "GHA"),
    3: ("LOME-ADIDOGOME-LOT-12", None),
    4: ("FESTIVAL-LOME-2026", "2026-12-31"),
}
MAKE_PERMIT = """
import time
from guichet.permits.keys import root_private_key, signing_key
from guichet.permits.signing import Claims, sign_claims
from django.conf import settings
root_private_key(create=True)
from guichet.permits import keys
row = keys.current_key(1) or keys.create_key(1)
private = keys.private_key(row.kid)
now = int(time.time())
claims = Claims(settings.GUICHET_PERMITS["ISSUER"], 1, "TV7K2M9Q4B", "TG1234AB", now + 1, now + 300 * 86400,
                "VF1AB000123456789", "KOSSI AMEGAH")
print("TEXT " + sign_claims(claims, private, bytes.fromhex(row.kid)))
"""


# --- 1 and 2: in this process ---------------------------------------------------------------


def sizes_and_speed(seconds: float) -> None:
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ec

    from guichet.permits.signing import Claims, kid_for, qr_for, sign_claims
    from guichet.permits.types import PERMIT_TYPES
    from guichet.permits.verify import Outcome, TrustedKey, verify_text

    now = int(time.time())
    keys = {t: ec.generate_private_key(ec.SECP256R1()) for t in PERMIT_TYPES}

    class Trust:
        issuer = "MSPC"
        table = {kid_for(k.public_key()): TrustedKey(kid_for(k.public_key()), t, k.public_key(), 0, None)
                 for t, k in keys.items()}  # fmt: skip

        def key(self, kid: bytes) -> TrustedKey | None:
            return self.table.get(kid)

        def is_revoked(self, permit_type: int, number: str) -> bool:
            return False

    print(f"{'permit type':<26} {'claims B':>8} {'COSE B':>7} {'text ch':>8} {'QR ver':>7}")
    texts = []
    for code, kind in sorted(PERMIT_TYPES.items()):
        subject, subject2 = SAMPLE_SUBJECTS.get(code, ("SUBJECT", None))
        claims = Claims("MSPC", code, "TV7K2M9Q4B", subject, now - 86400, now + 365 * 86400, subject2,
                        "KOSSI AMEGAH-MENSAH EPSE K"[:24])  # fmt: skip
        private = keys[code]
        text = sign_claims(claims, private, kid_for(private.public_key()))
        import base45

        cose = base45.b45decode(text[4:])
        print(
            f"{kind.slug:<26} {len(claims.to_cbor()):>8} {len(cose):>7} {len(text):>8} {qr_for(text).version:>7}"
        )
        texts.append(text)

    trust = Trust()
    assert all(verify_text(t, trust=trust, now=now).outcome == Outcome.VALID for t in texts)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in texts:
            verify_text(text, trust=trust, now=now)
        count += len(texts)
    rate = count / (time.perf_counter() - started)
    print(f"server-side verify_text: {rate:,.0f} verifications/s (one process, one core)")


# --- 3: the HTTP ratio ------------------------------------------------------------------------


def fetch_form(base: str) -> tuple[str, str]:
    """The CSRF cookie and a form token, from one GET of the page."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/verifier/", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read().decode()
    cookie = re.search(r"((?:__Host-)?csrftoken=[^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if response.status != 200 or not cookie or not token:
        raise SystemExit(f"/verifier/ answered {response.status} without a CSRF cookie and token")
    return cookie.group(1), token.group(1)


def load_post(base: str, path: str, body: bytes, headers: dict[str, str], load: Load, *, seconds: float,
              connections: int) -> None:  # fmt: skip
    """http_ratio.py's load, for a POST of `body` with `headers`."""
    load_with_python(f"{base}{path}", load, seconds=seconds, connections=connections, method="POST", body=body,
                     headers=headers)  # fmt: skip


def http_ratio(args: argparse.Namespace) -> float:
    loads = {"bare view": Load(), "verifier JSON": Load(), "verifier page": Load()}
    with tempfile.TemporaryDirectory(prefix="guichet-verify-") as tmp_name:
        tmp = Path(tmp_name)
        with throwaway_database(tmp) as database_url:
            env = site_environment(database_url, tmp, args.cache_url)
            flush_cache(args.cache_url)
            prepare_site(env)
            made = subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
                [sys.executable, str(ROOT / "manage.py"), "shell", "-c", MAKE_PERMIT],
                env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
            )  # fmt: skip
            text = re.search(r"^TEXT (TG1:.+)$", made.stdout, re.MULTILINE)
            if not text:
                raise SystemExit(f"no permit made:\n{made.stdout}\n{made.stderr}")
            try:
                with (
                    gunicorn(
                        env, "guichet.settings", free_port(), args.workers, tmp / "guichet.log"
                    ) as guichet,
                    gunicorn(env, "bench.bare_site", free_port(), args.workers, tmp / "bare.log") as bare,
                ):
                    try:
                        cookie, token = fetch_form(guichet)
                    except SystemExit:
                        say((tmp / "guichet.stderr").read_text(errors="replace")[-3000:])
                        raise
                    body = urlencode(
                        {"csrfmiddlewaretoken": token, "code": text.group(1), "purpose": "all"}
                    ).encode()
                    headers = {
                        "Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": "fr",
                        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                        "Referer": f"https://{HOST}/verifier/",
                    }  # fmt: skip
                    json_headers = {**headers, "Accept": "application/json"}
                    targets = {
                        "bare view": (bare, "/", headers),
                        "verifier JSON": (guichet, "/verifier/", json_headers),
                        "verifier page": (guichet, "/verifier/", headers),
                    }
                    # Warm every worker, and make sure the page really says VALID.
                    for _label, (base, path, sent) in targets.items():
                        load_post(base, path, body, sent, Load(), seconds=0.5, connections=2)
                    host, port = guichet.removeprefix("http://").split(":")
                    connection = http.client.HTTPConnection(host, int(port), timeout=10)
                    connection.request("POST", "/verifier/", body=body, headers=headers)
                    page = connection.getresponse().read().decode()
                    if "verdict-valid" not in page:
                        flat = " ".join(page.split())
                        start = flat.find('id="verifier-answer"')
                        raise SystemExit(f"the verifier did not answer VALID: {flat[start : start + 1500]}")
                    time.sleep(1.5)  # the permit starts a second after the key: now it is valid
                    for round_number in range(1, args.rounds + 1):
                        say(f"round {round_number}/{args.rounds}")
                        for label, (base, path, sent) in targets.items():
                            load_post(base, path, body, sent, loads[label], seconds=args.seconds,
                                      connections=args.connections)  # fmt: skip
            finally:
                flush_cache(args.cache_url)

    print(f"python threads, {args.connections} connections; gunicorn {args.workers} workers per server; "
          f"{args.rounds} round(s) of {args.seconds:g} s each")  # fmt: skip
    print(f"{'endpoint':<14} {'req/s':>9} {'p95 ms':>8} {'errors':>7}")
    for label, load in loads.items():
        print(f"{label:<14} {load.rate:>9.1f} {load.p95:>8.1f} {load.errors:>7}")
    bare_rate = loads["bare view"].rate
    page_ratio = loads["verifier page"].rate / bare_rate if bare_rate else 0.0
    print(f"page ratio (no JavaScript, the whole HTML page): {page_ratio:.3f}")
    # The endpoint every scan takes when the page's script runs (the form posted asking JSON).
    return loads["verifier JSON"].rate / bare_rate if bare_rate else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="seconds per endpoint and round (default 5)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/8")
    args = parser.parse_args(argv)
    bench.http_ratio.DATABASE = "guichet_verifier_bench"  # its own throw-away database, beside http_ratio's
    sizes_and_speed(min(args.seconds, 3.0))
    ratio = http_ratio(args)
    print(f"target {TARGET}")
    print(f"verify ratio: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
