"""What a session carries beyond Django's own keys, shared by every interface."""

from __future__ import annotations

from typing import Final

# Set once a staff member has passed the TOTP step; every staff page (the back office and
# the Django admin) requires it.
STAFF_VERIFIED_SESSION_KEY: Final = "guichet_staff_totp_verified"
# When the session last served a request (seconds since the epoch), for the idle timeout.
LAST_SEEN_SESSION_KEY: Final = "guichet_last_seen"
