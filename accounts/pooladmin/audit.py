"""The one writer of Django's admin log for changes the ORM admin does not make itself.

The Cognito user and group services and account linking (accounts.federation)
all record their changes here, so an entry reads the same whichever made it and
Django's object history and "Recent actions" show them all.
"""

from __future__ import annotations

import logging

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from .. import policy

logger = logging.getLogger(__name__)

_FLAG_WORDS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


def admin_log(
    *, actor: policy.Actor, model: type[Model], object_id: str, label: object, flag: int, message: str
) -> None:
    """Record ``message`` about ``model`` ``object_id`` (shown as ``label``) in the admin log as ``actor``'s change.

    Only the database is written. The admin log names a staff member, so a
    change a management command made (``actor`` SYSTEM, or None) gets no entry,
    only a line in the log naming the object by id: the command's own output
    says what happened, and the message names people by email, which the log
    does not.
    """
    if actor is None or actor is policy.SYSTEM:
        logger.info(
            "%s %s %s by a command (no admin log entry)",
            model._meta.verbose_name,
            object_id,
            _FLAG_WORDS.get(flag, flag),
        )
        return
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=object_id,
        object_repr=str(label)[:200],
        action_flag=flag,
        change_message=message,
    )
