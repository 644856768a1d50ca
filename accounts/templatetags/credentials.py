"""The account page's AWS access section reads the session's cached credentials (never their secrets)."""

from django import template

from accounts.credentials.services import cached_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def aws_summary(context):
    """Return the session's cached credentials row (identity id, role, until when), or None; AWS is not asked."""
    request = context.get("request")
    return cached_summary(request=request) if request is not None else None
