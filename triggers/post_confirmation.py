"""PostConfirmation: put a newly confirmed person in the site's default group.

Event: the user-pool PostConfirmation trigger, version 1 (``triggerSource``
``PostConfirmation_ConfirmSignUp`` or ``PostConfirmation_ConfirmForgotPassword``).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html

The site's own sign-up page adds the group itself (the local stack never fires
this trigger); this covers sign-ups through the hosted UI on AWS.
"""

import os


def post_confirmation(event, *, group, add_user_to_group):
    """Call ``add_user_to_group(pool_id, username, group)`` for a confirmed sign-up; return ``event``.

    A password reset (``PostConfirmation_ConfirmForgotPassword``) confirms nobody
    new and is left alone, as is an event without a pool or a user name (nothing
    to add) or a setup without a group.
    """
    if not group or event.get("triggerSource") != "PostConfirmation_ConfirmSignUp":
        return event
    pool_id, username = event.get("userPoolId"), event.get("userName")
    if not (isinstance(pool_id, str) and pool_id and isinstance(username, str) and username):
        return event
    add_user_to_group(pool_id, username, group)
    return event


def _add_user_to_group(pool_id, username, group):
    import boto3  # present on Lambda's Python runtime; imported here so the module loads without it

    boto3.client("cognito-idp").admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def handler(event, context):
    return post_confirmation(event, group=os.environ.get("DEFAULT_GROUP", ""), add_user_to_group=_add_user_to_group)
