"""The one writer of Django's admin log for changes made outside the ORM admin: Cognito users and groups."""

from __future__ import annotations

import logging

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from .. import policy

logger = logging.getLogger(__name__)


def admin_log(
    *, actor: policy.Actor, model: type[Model], object_id: str, label: object, flag: int, message: str
) -> None:
    """Record ``message`` about ``model`` ``object_id`` in the admin log, as the ``actor``'s change.

    The admin log names a staff member, so a change a management command made
    (``actor`` SYSTEM or None) is written to the log file only.
    """
    if actor is None or actor is policy.SYSTEM:
        # A management command: the admin log names a staff member, and there is none.
        logger.info("%s %s: %s", model._meta.verbose_name, object_id, message)
        return
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=object_id,
        object_repr=str(label)[:200],
        action_flag=flag,
        change_message=message,
    )
