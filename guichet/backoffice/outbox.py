"""The outbox page: the messages of the reader's units, newest first, with their delivery state.

Which messages a staff member may read comes from `notifications.access`; a message that
carries a secret (a sign-in code, a receipt) never appears here, in any state.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.accounts.roles import Permission
from guichet.backoffice.decorators import StaffRequest, staff_required
from guichet.backoffice.forms import OutboxFilterForm
from guichet.notifications.access import notifications_for_staff

OUTBOX_PAGE_SIZE = 50


@require_GET
@staff_required(Permission.READ_OUTBOX)
def outbox(request: StaffRequest) -> HttpResponse:
    """The messages of the reader's units, newest first, filtered by recipient, state and channel."""
    form = OutboxFilterForm(request.GET or None)
    filters = form.filters()
    notifications = notifications_for_staff(request.staff)
    if filters.get("q"):
        notifications = notifications.filter(recipient__icontains=filters["q"].strip())
    if filters.get("state"):
        notifications = notifications.filter(state=filters["state"])
    if filters.get("channel"):
        notifications = notifications.filter(channel=filters["channel"])
    page = Paginator(notifications.order_by("-created_at", "-pk"), OUTBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/outbox.html",
        {"form": form, "filtered": bool(filters), "page": page, "page_query": query.urlencode()},
    )
