from datetime import timedelta

from django.contrib import auth, messages
from django.utils import timezone

from ..models import UserSession
from . import renewal
from .records import current_session

SESSION_ENDED = "Your session has ended, please sign in again."
# last_seen is for people reading the account page, not an audit trail.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def last_seen_touch(record: UserSession) -> None:
    """Move ``last_seen`` to now when the record just read is a minute old; otherwise issue nothing."""
    now = timezone.now()
    cutoff = now - LAST_SEEN_RESOLUTION
    # The record was read a moment ago: deciding here spares every other request a statement.
    if record.last_seen < cutoff:
        # The condition again in SQL: another worker may have moved it since the read.
        UserSession.objects.filter(pk=record.pk, last_seen__lt=cutoff).update(last_seen=now)


class CognitoSessionMiddleware:
    """Renew a signed-in session's Cognito tokens when due, and end the session when Cognito says so.

    Requests whose tokens are fresh make no call to Cognito: one indexed read
    of the session's record, and a write of ``last_seen`` at most once a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        """Check the session before the view runs; Django calls this for every request."""
        if request.user.is_authenticated:
            record = current_session(request)
            # Every sign-in records its session; one without a record can no longer be checked.
            if record is None or renewal.session_renew(record=record, user=request.user) == renewal.ENDED:
                auth.logout(request)
                messages.warning(request, SESSION_ENDED)
            else:
                last_seen_touch(record)
        return self.get_response(request)
