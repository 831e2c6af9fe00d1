from __future__ import annotations

from django.test import RequestFactory

from guichet.core.http import client_ip


def _request(remote: str, forwarded: str = ""):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.GUICHET = {**settings.GUICHET, "TRUSTED_PROXIES": 0}
    assert client_ip(_request("10.0.0.9", forwarded="1.2.3.4")) == "10.0.0.9"


def test_behind_one_proxy_the_rightmost_forwarded_address_is_the_client(settings):
    settings.GUICHET = {**settings.GUICHET, "TRUSTED_PROXIES": 1}
    # The client wrote "6.6.6.6" itself; only what our proxy appended counts.
    assert client_ip(_request("10.0.0.1", forwarded="6.6.6.6, 41.207.1.2")) == "41.207.1.2"


def test_a_missing_header_behind_a_proxy_falls_back_to_the_socket_address(settings):
    settings.GUICHET = {**settings.GUICHET, "TRUSTED_PROXIES": 2}
    assert client_ip(_request("10.0.0.1", forwarded="41.207.1.2")) == "10.0.0.1"
