"""The self-service pages under /account/: each parses a form, calls one service, and says what happened."""

import functools
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from ..cognito.client import CognitoClient
from ..cognito.types import password_policy_words
from ..exceptions import CodeMismatch, CognitoError, InvalidPassword, NotAuthorized
from ..sessions import encryption
from . import forms, qr, services

logger = logging.getLogger(__name__)

#: The session keeps the pending authenticator secret, encrypted, between showing the QR code and the first code.
TOTP_SECRET_KEY = "selfservice_totp_secret"
#: And the address a pending email change goes to, to name it on the code page.
EMAIL_PENDING_KEY = "selfservice_email_pending"


def _refusal(exc: CognitoError) -> str:
    """Return what to tell the person about a Cognito error (its plain words), logging the error's code only."""
    logger.info("Self-service refused: %s", exc.code or type(exc).__name__)
    return exc.plain


def _native_only(view):
    """Send a person without a password (a federated sign-in) back to the account page, saying why."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_native(request.user):
            messages.info(request, "You sign in with another provider: your password and its security are kept there.")
            return redirect("account")
        return view(request, *args, **kwargs)

    return wrapped


def _is_wrong_password(exc: NotAuthorized) -> bool:
    """Return whether Cognito refused the password itself, not the session's token (revoked, expired)."""
    return not isinstance(exc, services.NoAccessToken) and "incorrect username or password" in exc.detail.lower()


def _password_refused(form, exc: NotAuthorized, *, field: str, words: str) -> None:
    """Put Cognito's NotAuthorized on ``form``: a wrong password on ``field`` in ``words``, anything else above."""
    if not _is_wrong_password(exc):
        form.add_error(None, _refusal(exc))
    else:
        logger.info("Self-service refused: %s", exc.code)
        form.add_error(field, words)


@never_cache
@login_required
def profile_edit(request):
    """Change the first and last name, at Cognito then on the site."""
    user = request.user
    form = forms.ProfileForm(
        request.POST or None, initial={"given_name": user.first_name, "family_name": user.last_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(request=request, **form.cleaned_data)
        except CognitoError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Your name is saved.")
            return redirect("account")
    return render(request, "selfservice/profile_edit.html", {"form": form})


@never_cache
@login_required
@_native_only
@sensitive_post_parameters("password", "code")
@sensitive_variables("form")
def email_change(request):
    """Ask for a new email address and the password; Cognito sends a code to it (the local stack changes it at once)."""
    form = forms.EmailForm(request.POST or None, current=request.user.email)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.email_change_start(request=request, **form.cleaned_data)
        except NotAuthorized as exc:
            _password_refused(form, exc, field="password", words="That is not your password.")
        except CodeMismatch as exc:
            if exc.code == "CodeNeeded":
                form.add_error("code", "Type the code from your authenticator app too.")
            else:
                form.add_error("code", _refusal(exc))
        except CognitoError as exc:
            if exc.code == "AliasExistsException":
                form.add_error("email", "Another account already uses that email address.")
            else:
                form.add_error(None, _refusal(exc))
        else:
            if change.pending:
                request.session[EMAIL_PENDING_KEY] = form.cleaned_data["email"]
                return redirect("selfservice_email_confirm")
            messages.success(
                request,
                f"Your email is now {request.user.email}. "
                "(The local Cognito stack changes it at once, without a code: see the README.)",
            )
            return redirect("account")
    return render(request, "selfservice/email_change.html", {"form": form})


@never_cache
@login_required
@_native_only
@sensitive_post_parameters("code")
def email_confirm(request):
    """Confirm the new address with the emailed code; until then the old one stays in force."""
    pending = request.session.get(EMAIL_PENDING_KEY, "")
    if not pending:
        return redirect("selfservice_email_change")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.email_change_confirm(request=request, code=form.cleaned_data["code"])
        except CognitoError as exc:
            form.add_error("code" if isinstance(exc, CodeMismatch) else None, _refusal(exc))
        else:
            request.session.pop(EMAIL_PENDING_KEY, None)
            messages.success(request, f"Your email is now {pending}.")
            return redirect("account")
    return render(request, "selfservice/email_confirm.html", {"form": form, "pending": pending})


def _policy_words():
    """Return the pool's password policy in words, or "" when the pool cannot be read now."""
    try:
        return password_policy_words(CognitoClient().describe_pool().password_policy)
    except CognitoError as exc:
        logger.warning("Could not read the password policy: %s", exc.code or type(exc).__name__)
        return ""


@never_cache
@login_required
@_native_only
@sensitive_post_parameters("current", "proposed", "again")
@sensitive_variables("form")
def password_change(request):
    """Change the password: the pool's policy is shown first; Cognito checks the current one and the rules."""
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                request=request, current=form.cleaned_data["current"], proposed=form.cleaned_data["proposed"]
            )
        except NotAuthorized as exc:
            _password_refused(form, exc, field="current", words="That is not your current password.")
        except InvalidPassword as exc:
            logger.info("Self-service refused: %s", exc.code)
            form.add_error("proposed", "The new password does not meet the rules above.")
        except CognitoError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Your password is changed. Use the new one the next time you sign in.")
            return redirect("account")
    return render(request, "selfservice/password_change.html", {"form": form, "policy": _policy_words()})


@never_cache
@login_required
@_native_only
@sensitive_post_parameters("code")
@sensitive_variables("secret")
def totp_setup(request):
    """Set up an authenticator app: a QR code and the secret, then the app's first code turns MFA on."""
    form = forms.CodeForm(request.POST or None)
    secret = encryption.decrypt(request.session.get(TOTP_SECRET_KEY, ""))
    if not secret and _mfa_on(request):
        # A new app would replace the one in use with a session alone; turning it off asks for proof.
        messages.info(
            request,
            "Your authenticator app is on. To use another one, turn it off first (that asks for your "
            "password and a code from it), then set up the new one.",
        )
        return redirect("account")
    if request.method == "POST":
        if not secret:
            messages.warning(request, "That set-up had expired. Scan the new code and try again.")
            return redirect("selfservice_totp_setup")
        if form.is_valid():
            try:
                services.totp_setup_confirm(request=request, code=form.cleaned_data["code"])
            except CognitoError as exc:
                form.add_error("code" if isinstance(exc, CodeMismatch) else None, _refusal(exc))
            else:
                request.session.pop(TOTP_SECRET_KEY, None)
                messages.success(
                    request, "Your authenticator app is set up. From now on, signing in asks for a code from it."
                )
                return redirect("account")
    else:
        try:
            secret = services.totp_setup_start(request=request)
        except CognitoError as exc:
            messages.error(request, _refusal(exc))
            return redirect("account")
        request.session[TOTP_SECRET_KEY] = encryption.encrypt(secret)
    return render(request, "selfservice/totp_setup.html", {"form": form, "secret": secret})


def _mfa_on(request):
    """Return whether the person's authenticator app is on, as Cognito says now (GetUser); False if it cannot say."""
    try:
        return "SOFTWARE_TOKEN_MFA" in services.own_user_read(request=request).mfa_methods
    except CognitoError as exc:
        logger.warning("Could not read the MFA state: %s", exc.code or type(exc).__name__)
        return False


@never_cache
@login_required
@sensitive_variables("secret")
def totp_qr(request):
    """Serve the pending set-up's QR code as SVG (from this origin, so the page's CSP lets it show)."""
    secret = encryption.decrypt(request.session.get(TOTP_SECRET_KEY, ""))
    if not secret:
        return HttpResponseNotFound("No authenticator set-up is in progress.", content_type="text/plain")
    issuer = settings.COGNITO_TOTP_ISSUER
    uri = qr.totp_uri(secret=secret, account=request.user.email or request.user.cognito_username, issuer=issuer)
    response = HttpResponse(qr.qr_svg(uri), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@_native_only
@sensitive_post_parameters("password", "code")
@sensitive_variables("form")
def totp_off(request):
    """Turn the authenticator app off, after the password and a fresh code from it."""
    form = forms.TotpOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_turn_off(request=request, **form.cleaned_data)
        except NotAuthorized as exc:
            _password_refused(form, exc, field="password", words="That is not your password.")
        except CodeMismatch as exc:
            form.add_error("code", _refusal(exc))
        except CognitoError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Your authenticator app is turned off. Signing in asks only for your password.")
            return redirect("account")
    return render(request, "selfservice/totp_off.html", {"form": form})


@never_cache
@login_required
def account_delete(request):
    """Delete the account, once the person has typed their email to confirm."""
    form = forms.DeleteForm(request.POST or None, email=request.user.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(request=request)
        except CognitoError as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, "Your account is deleted. You are signed out.")
            return redirect("home")
    return render(request, "selfservice/account_delete.html", {"form": form})


@never_cache
@login_required
def provider_disconnect(request, provider):
    """Confirm, then detach a linked provider from this account (AdminDisableProviderForUser)."""
    try:
        connected = {c["name"]: c for c in services.connected_sign_ins(request=request)}
    except CognitoError as exc:
        messages.error(request, _refusal(exc))
        return redirect("account")
    if provider not in connected:
        messages.info(request, "That sign-in is not connected to your account.")
        return redirect("account")
    if request.method == "POST":
        try:
            services.provider_disconnect(request=request, provider=provider)
        except CognitoError as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(
                request,
                "That sign-in is disconnected. Signing in with it again makes a separate account.",
            )
        return redirect("account")
    return render(request, "selfservice/provider_disconnect.html", {"connection": connected[provider]})
