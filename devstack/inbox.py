"""The Local inbox: the emails the local stack recorded instead of sending. Development only.

MiniStack keeps sign-up, reset and invitation emails in its mail recorder; this
page shows them to anyone on the local site, through the same reader as the
admin's Local mail page (accounts.pooladmin.localmail) and with its rule for
someone who is not a superuser: mail to staff and admins is left out, so a
reset code for an admin's address is never on a public page.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache

from accounts.exceptions import CognitoError
from accounts.pooladmin.localmail import local_messages


@never_cache
def local_inbox(request):
    """List the recorded emails, newest first; ``?to=`` keeps those to one address."""
    to = request.GET.get("to", "").strip()[:254]
    context = {"to": to, "messages_shown": [], "hidden": 0, "problem": ""}
    try:
        mail = local_messages(actor=request.user if request.user.is_authenticated else None, to=to)
    except CognitoError as exc:
        context["problem"] = exc.plain
        return render(request, "devstack/local_inbox.html", context, status=503)
    context.update(messages_shown=mail.messages, hidden=mail.hidden)
    return render(request, "devstack/local_inbox.html", context)


def local_mode(request):
    """Template context: the Local inbox banner's link, in local mode (the local stack) only.

    Empty, so no banner, where the URL configuration has no Local inbox (a page
    must never fail because of its banner).
    """
    if not settings.COGNITO_ENDPOINT_URL:
        return {"local_inbox_url": ""}
    try:
        return {"local_inbox_url": reverse("local_inbox")}
    except NoReverseMatch:
        return {"local_inbox_url": ""}
