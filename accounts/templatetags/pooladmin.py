"""Template filters of the Cognito user admin: Cognito's codes in plain words."""

from django import template

from ..pooladmin.selectors import STATUS_WORDS

register = template.Library()


@register.filter
def status_words(status: str) -> str:
    """Return a user status in plain words ("Invited, has not signed in yet"); an unknown code as it is."""
    return STATUS_WORDS.get(status, status)
