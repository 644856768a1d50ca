from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signed in through Cognito, keyed by the pool's immutable ``sub``.

    Email can change and is not unique across federated identities, so it is
    never used to find a user. ``username`` holds the ``sub`` too, which keeps
    it unique even when Cognito reuses a deleted user's name.
    """

    cognito_sub = models.CharField(
        "Cognito sub",
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="The user's immutable identifier in the Cognito user pool.",
    )
    cognito_username = models.CharField(
        "Cognito username",
        max_length=128,
        blank=True,
        help_text="The cognito:username claim (a UUID, or Provider_id for federated users).",
    )
    picture = models.URLField(
        "picture", max_length=500, blank=True, help_text="The profile picture an identity provider shared, if any."
    )
    aws_identity_id = models.CharField(
        "AWS identity id",
        max_length=55,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "The identity pool's id for this person (region:uuid), stored at their first GetId: what "
            "${cognito-identity.amazonaws.com:sub} means in an IAM policy. Not the user pool's sub."
        ),
    )

    separate_account_kept = models.BooleanField(
        "separate account kept",
        default=False,
        help_text="A federated user who chose not to connect this sign-in to the email/password account "
        "with the same email (accounts.federation.connect): not offered again.",
    )

    def __str__(self):
        return self.email or self.cognito_username or self.username

    @property
    def display_name(self):
        return self.get_full_name() or self.email or self.cognito_username or self.username


class UserSession(models.Model):
    """One signed-in Django session of a user, with its Cognito tokens encrypted at rest.

    The tokens live here rather than in the session dict so that two requests
    of one session cannot overwrite each other's renewal (a session is saved
    whole at the end of each request); the record also lets the account page
    list sessions and lets other sessions be ended without scanning the
    session table. accounts.renewal keeps the tokens fresh.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="site_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)
    # When the Django session itself expires; later records are pruned.
    expires_at = models.DateTimeField(null=True, blank=True)
    # Fernet tokens (accounts.session_tokens); never the plain JWTs.
    refresh_token = models.TextField(blank=True)
    id_token = models.TextField(blank=True)
    access_token = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    unreachable_since = models.DateTimeField(null=True, blank=True)
    # A request renewing the tokens holds this lease so that no other spends the refresh token too.
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"session of {self.user} since {self.created:%Y-%m-%d %H:%M}"


class CognitoUser(models.Model):
    """A user of the Cognito pool. No table: it carries the admin's permissions and registration only.

    The pool is the source of truth; the admin pages read and write it through
    accounts.pooladmin, never through this model's manager.
    """

    username = models.CharField(max_length=128, primary_key=True)
    email = models.EmailField(blank=True)

    class Meta:
        managed = False
        verbose_name = "Cognito user"
        permissions = [
            ("link_cognitouser", "Can link a social sign-in to the same person's email account"),
        ]

    def __str__(self):
        return self.email or self.username


class CognitoGroup(models.Model):
    """A group of the Cognito pool. No table, like CognitoUser."""

    name = models.CharField(max_length=128, primary_key=True)

    class Meta:
        managed = False
        verbose_name = "Cognito group"

    def __str__(self):
        return self.name


class Job(models.Model):
    """A piece of admin work run by the background worker: a bulk action, for now (accounts.pooladmin.jobs).

    The people it reaches are its items, one row each, written before the
    worker touches anyone, so the report survives a worker restart: every
    item says whether that user was changed, failed, was not attempted, or
    was being changed when the worker stopped.
    """

    QUEUED, RUNNING, FINISHED, CANCELLED, STOPPED = "queued", "running", "finished", "cancelled", "stopped"
    STATES = [
        (QUEUED, "Waiting for the worker"),
        (RUNNING, "Running"),
        (FINISHED, "Finished"),
        (CANCELLED, "Cancelled"),
        (STOPPED, "Stopped"),
    ]

    #: Who started it; none for a management command (``sync_cognito_users --background``), or once deleted.
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    #: How the job names who started it, kept if that user is deleted later: an email, or "a management command".
    starter = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    #: The action's input that is not secret (a group name).
    params = models.JSONField(default=dict, blank=True)
    #: A secret input (a bulk set-password's password), Fernet-encrypted; emptied when the job ends.
    secret = models.TextField(blank=True)
    #: "All users matching this filter" (UserQuery params): the worker expands it into items itself.
    query = models.JSONField(default=dict, blank=True)
    expanded = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    cancel_requested = models.BooleanField(default=False)
    #: Why it stopped, in plain words, when it did not simply finish.
    note = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Written after each user: a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: An export's file, by name, in COGNITO_JOB_FILES_DIR (written by the worker, served by the job's page).
    output = models.CharField(max_length=200, blank=True)
    #: An export's progress: rows written, of about how many (EstimatedNumberOfUsers when it started).
    rows = models.PositiveIntegerField(default=0)
    expected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
        verbose_name = "job"

    def __str__(self):
        return f"{self.label} by {self.created_by} at {self.created:%Y-%m-%d %H:%M}"


class JobItem(models.Model):
    """One person a job reaches, and what happened to them."""

    PENDING, RUNNING, DONE, FAILED, SKIPPED, UNKNOWN = "pending", "running", "done", "failed", "skipped", "unknown"
    STATES = [
        (PENDING, "Waiting"),
        (RUNNING, "Being changed"),
        (DONE, "Done"),
        (FAILED, "Failed"),
        (SKIPPED, "Not attempted"),
        (UNKNOWN, "Interrupted"),
    ]

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    username = models.CharField(max_length=128)
    #: How to name them: their email where known, else the username.
    email = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    message = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: What an import invites this person with (email, names, phone, groups), checked before the job began.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "username"], name="job_item_once_per_user")]
        indexes = [models.Index(fields=["job", "state"], name="job_item_state")]

    def __str__(self):
        return self.email or self.username


class SessionCredentials(models.Model):
    """Temporary AWS credentials of one signed-in session, encrypted at rest (accounts.credentials.cache).

    One row per UserSession, deleted with it: when the session ends, or its
    renewal fails, the credentials are gone too.
    """

    session = models.OneToOneField(
        UserSession, on_delete=models.CASCADE, primary_key=True, related_name="aws_credentials"
    )
    identity_id = models.CharField(max_length=55)
    #: "enhanced", "basic" or "developer".
    flow = models.CharField(max_length=16)
    #: Fernet token of the access key id, secret key and session token (never the plain values).
    secret = models.TextField()
    #: When AWS stops accepting them.
    expires_at = models.DateTimeField()
    #: Until when the site uses them (at most COGNITO_CREDENTIALS_CACHE_SECONDS after fetching).
    fresh_until = models.DateTimeField()
    fetched_at = models.DateTimeField()
    #: The assumed role, as STS names it (read once, for the account page).
    role_arn = models.CharField(max_length=2048, blank=True)

    class Meta:
        verbose_name = "session AWS credentials"
        verbose_name_plural = "session AWS credentials"

    def __str__(self):
        return f"AWS credentials of {self.session} until {self.fresh_until:%H:%M}"
