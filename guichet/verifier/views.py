"""The public verification page `/verifier/` and its service worker.

Without JavaScript the form posts here and the server answers (`guichet.permits.verify`). With
JavaScript the page posts the same form in the background and shows the same fragment; when the
network is gone it checks the QR text itself against the signed trust list it keeps (verifier.js,
decision 0030).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.html import json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from guichet.core import ratelimit
from guichet.core.http import client_ip
from guichet.permits.types import PERMIT_TYPES
from guichet.verifier import services

# The page may use the camera (to scan); every other page of the site may not.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"
ASSETS = ("verifier/verify-core.js", "verifier/verifier.js", "verifier/jsQR.js", "verifier/verifier.css",
          "guichet/guichet.css")  # fmt: skip


class CheckForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("QR code text or permit number"),
        max_length=services.MAX_INPUT_CHARS,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={
            "required": gettext_lazy("Type the permit number, or scan or paste the text of its QR code."),
            "max_length": gettext_lazy(
                "This is far longer than any permit code. Scan the QR code again or type the permit number."
            ),
        },
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("What are you checking?"),
        choices=[(key, label) for key, (label, _type) in services.PURPOSES.items()],
        initial="all",
        required=False,
        widget=forms.RadioSelect,
    )


def _miss_key(request: HttpRequest) -> str:
    """A rate-limit key from the address without keeping it: a keyed hash that changes each day."""
    day = timezone.now().date().isoformat()
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"verifier:{day}:{client_ip(request)}".encode(), hashlib.sha256
    )
    return f"verifier:number:{digest.hexdigest()[:24]}"


def _page_context(request: HttpRequest, form: CheckForm, answer: services.Answer | None) -> dict[str, Any]:
    return {
        "form": form,
        "answer": answer.as_dict() if answer is not None else None,
        "verifier_config": _config_script(),
    }


_config_scripts: dict[tuple[str, str], str] = {}


@receiver(setting_changed)
def _forget_config_scripts(*, setting: str, **kwargs: Any) -> None:
    if setting in services.TRANSLATION_SETTINGS:  # the words drawn in them may change
        _config_scripts.clear()


def _config_script() -> str:
    """The page's settings for its script (root key, words), drawn once per language and root key."""
    root = _pinned_root()
    key = (translation.get_language() or "fr", root["kid"])
    script = _config_scripts.get(key)
    if script is None:
        config = {
            "root": root,
            "trust_list_url": "/verifier/trust-list",
            "jsqr_url": static("verifier/jsQR.js"),
            "purposes": {name: value[1] for name, value in services.PURPOSES.items()},
            "strings": _strings(),
        }
        script = str(json_script(config, "verifier-config"))
        _config_scripts[key] = script
    return script


_root_cache: dict[str, tuple[float, dict[str, Any]]] = {}
ROOT_CACHE_SECONDS = 300


def _pinned_root() -> dict[str, Any]:
    """The root public key pinned in the page, read from its file at most every few minutes."""
    from guichet.permits.keys import ROOT_ENV, keys_dir, root_public_jwk

    where = f"{keys_dir()}|{os.environ.get(ROOT_ENV, '')[-64:]}"
    now = time.monotonic()
    cached = _root_cache.get(where)
    if cached is None or cached[0] < now:
        public = dict(root_public_jwk())
        kid = public.pop("kid", "")
        cached = (now + ROOT_CACHE_SECONDS, {"jwk": public, "kid": kid})
        _root_cache[where] = cached
    return cached[1]


def _strings() -> dict[str, Any]:
    """What the offline page writes by itself, in the page's language."""
    return {
        "signals": {
            str(k): {"word": str(v[0]), "shape": v[1], "css": v[2]} for k, v in services.SIGNALS.items()
        },
        "advice": {str(k): str(v) for k, v in services.ADVICE.items()},
        "types": {str(code): kind.title for code, kind in PERMIT_TYPES.items()},
        "subject_labels": {str(code): kind.subject_label for code, kind in PERMIT_TYPES.items()},
        "subject2_labels": {str(code): kind.subject2_label for code, kind in PERMIT_TYPES.items()},
        "permit": _("Permit"),
        "number": _("Permit number"),
        "holder": _("Holder"),
        "valid_from": _("Valid from"),
        "valid_until": _("Valid until"),
        "offline_note": _("Checked on this device, without network, against the list of %(date)s."),
        "list_refreshed": _(
            "List of keys and withdrawn permits issued %(date)s, last refreshed %(fetched)s."
        ),
        "list_none": _("This device holds no list of keys yet: open this page once with a network."),
        "list_refused": _(
            "A list received was refused (bad signature or older than the one held); the previous one is kept."
        ),
        "number_offline": _("A permit number can only be checked with a network. Scan the QR code instead."),
        "scan_failed": _("No QR code found in this photo. Take it again, closer and without glare."),
        "slow_down": _(
            "Too many unknown numbers were typed from this connection. Wait a minute, then try again, or scan the QR code."
        ),
        "camera_failed": _(
            "The camera could not be opened. Take a photo instead, or type the permit number."
        ),
        "camera_starting": _("Opening the camera…"),
        "camera_on": _("The camera is on: hold the QR code in front of it, about 20 cm away."),
        "camera_read": _("QR code read. Checking it…"),
        "camera_stopped": _("The camera is off."),
    }


def _read_posted(data: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]]]:
    """The posted code and purpose cleaned by CheckForm's own fields, without building a form.

    The page's script posts here at every scan and only reads JSON back: a bound form would
    deep-copy its fields for each request (about a fifth of a check's time) to say nothing
    more. Same fields, same rules, same messages; errors shaped as `form.errors.get_json_data()`.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[dict[str, str]]] = {}
    for name, field in CheckForm.base_fields.items():
        try:
            cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
        except forms.ValidationError as error:
            errors[name] = [{"message": str(m), "code": e.code or ""} for e in error.error_list for m in e]
    return cleaned, errors


def _json_answer(request: HttpRequest) -> JsonResponse:
    """The answer to the page's script: the verdict, or the fields' errors."""
    cleaned, errors = _read_posted(request.POST)
    answer, status = (None, 400) if errors else _check(request, cleaned["code"], cleaned["purpose"] or "all")
    # The page's script draws the answer with the same words (its settings carry them).
    return JsonResponse({"answer": answer.as_dict() if answer else None, "errors": errors}, status=status)


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    answer: services.Answer | None = None
    status = 200
    invalid = False
    if request.method == "POST" and "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = _json_answer(request)
        invalid = response.status_code == 400
    else:
        if request.method == "POST":
            form = CheckForm(request.POST)
            if form.is_valid():
                answer, status = _check(
                    request, form.cleaned_data["code"], form.cleaned_data["purpose"] or "all"
                )
            else:
                status, invalid = 400, True
        else:
            form = CheckForm(initial={"purpose": request.GET.get("pour", "all")})
        response = render(request, "verifier/page.html", _page_context(request, form, answer), status=status)
    # The empty page may be kept by the browser but re-checked (the service worker keeps the
    # offline copy); an answer names a plate or a passport: never stored.
    response["Cache-Control"] = "no-cache" if request.method == "GET" and not invalid else "no-store"
    response["Permissions-Policy"] = PERMISSIONS_POLICY
    return response


def _check(request: HttpRequest, code: str, purpose: str) -> tuple[services.Answer, int]:
    if services.looks_like_permit_text(code):
        return services.check_text(code, purpose=purpose), 200
    key = _miss_key(request)
    wait = ratelimit.wait_seconds(key)
    if wait:
        return services.Answer(outcome=services.NOT_FOUND, reason="slow_down"), 429
    answer = services.check_number(code, purpose=purpose)
    if answer.outcome == services.NOT_FOUND:
        ratelimit.slow_down(key, free_attempts=int(settings.GUICHET_VERIFIER["NUMBER_FREE_MISSES"]))
    return answer, 200


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at /verifier/sw.js so that its scope is /verifier/."""
    assets = [static(name) for name in ASSETS]
    version = hashlib.sha256(json.dumps(assets).encode()).hexdigest()[:12]
    body = render_to_string("verifier/sw.js", {"assets_json": json.dumps(assets), "version": version})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
