"""The partner verification API (Django REST framework, schema by drf-spectacular).

A partner system (a police or border application) sends `Authorization: Bearer gvp_...`; each
endpoint needs one scope; every call is audited (services.py) and throttled per partner.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from guichet.verifier import services
from guichet.verifier.models import SCOPE_LOOKUP_PASSPORT, SCOPE_LOOKUP_PLATE, SCOPE_VERIFY, Partner


class PartnerAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Partner] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send exactly: Authorization: Bearer <token>.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.") from None
        partner = services.partner_for_token(token)
        if partner is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        return (None, partner)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="verification"'


class PartnerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PartnerAuthentication
    name = "partnerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner token (gvp_...), one per system.",
        }


class HasScope(BasePermission):
    message = "This partner token does not have the scope this endpoint needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        partner = request.auth
        if not isinstance(partner, Partner):
            raise exceptions.NotAuthenticated("Send Authorization: Bearer <partner token>.")
        return partner.allows(view.required_scope(request))


class PartnerThrottle(SimpleRateThrottle):
    scope = "partner"

    def get_rate(self) -> str:
        return str(settings.GUICHET_VERIFIER["PARTNER_RATE"])

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        partner = request.auth
        return f"verifier:throttle:{partner.pk}" if isinstance(partner, Partner) else None


class PartnerView(APIView):
    authentication_classes = [PartnerAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [PartnerThrottle]

    def required_scope(self, request: Request) -> str:
        """The scope this request needs; a view that names none is closed (no partner holds "")."""
        return ""


class PermitSerializer(serializers.Serializer):
    type = serializers.IntegerField(
        help_text="1 tinted windows, 2 entry authorization, 3 electrified fence, 4 event security"
    )
    type_title = serializers.CharField()
    number = serializers.CharField()
    subject_label = serializers.CharField()
    subject = serializers.CharField(
        help_text="Plate, passport number, place or event: compare it with what is in front of you"
    )
    subject2_label = serializers.CharField()
    subject2 = serializers.CharField(help_text="VIN, nationality or event date; may be empty")
    holder = serializers.CharField()
    not_before = serializers.DateTimeField()
    expiry = serializers.DateTimeField()


class VerdictSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["VALID", "EXPIRED", "NOT_YET_VALID", "REVOKED", "NOT_GENUINE", "WRONG_TYPE"]
    )
    reason = serializers.CharField(
        help_text="A stable code: ok, expired, revoked, bad_signature, unknown_kid ..."
    )
    permit = PermitSerializer(allow_null=True)


class VerifyRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_INPUT_CHARS, trim_whitespace=True,
                                 help_text="The QR code's text, starting with TG1:")  # fmt: skip
    expected_type = serializers.ChoiceField(
        choices=[1, 2, 3, 4], required=False, allow_null=True,
        help_text="The permit type this check is about; a permit of another type answers WRONG_TYPE",
    )  # fmt: skip


ERROR = inline_serializer("Error", {"detail": serializers.CharField()})


class VerifyView(PartnerView):
    def required_scope(self, request: Request) -> str:
        return SCOPE_VERIFY

    @extend_schema(
        request=VerifyRequestSerializer,
        responses={200: VerdictSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
        summary="Verify a permit's QR text",
    )
    def post(self, request: Request) -> Response:
        form = VerifyRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answer = services.check_text(
            form.validated_data["text"], permit_type=form.validated_data.get("expected_type")
        )
        services.audit_verify(request.auth, answer)
        data = answer.as_dict()
        return Response({"outcome": data["outcome"], "reason": data["reason"], "permit": data["permit"]})


class LookupView(PartnerView):
    def required_scope(self, request: Request) -> str:
        if "passport" in request.query_params:
            return SCOPE_LOOKUP_PASSPORT
        return SCOPE_LOOKUP_PLATE

    @extend_schema(
        parameters=[
            OpenApiParameter("plate", str, description="A registration plate (spaces and dashes ignored)"),
            OpenApiParameter("passport", str, description="A passport number"),
        ],
        responses={
            200: inline_serializer("Permits", {"permits": PermitSerializer(many=True)}),
            400: ERROR,
            401: ERROR,
            403: ERROR,
            429: ERROR,
        },
        summary="Valid permits for a plate (tinted windows) or a passport number (entry)",
    )
    def get(self, request: Request) -> Response:
        plate = request.query_params.get("plate")
        passport = request.query_params.get("passport")
        if (plate is None) == (passport is None):
            return Response(
                {"detail": "Give exactly one of plate or passport."}, status=status.HTTP_400_BAD_REQUEST
            )
        kind, value = ("plate", plate) if plate is not None else ("passport", passport)
        subject = services.normalise_subject(value or "")
        if not services.SUBJECT_PATTERN.match(subject):
            return Response(
                {"detail": "A plate or passport number is 3 to 20 letters and digits."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"permits": services.lookup(request.auth, kind=kind, value=subject)})
