"""The site's own sign-up and recovery pages: they arrange, accounts.signup.services decides.

Every refusal a person or Cognito can cause is a page: a wrong or expired code,
the password policy, a burst (the site's throttle, or Cognito's LimitExceeded
and TooManyRequests: "try again in a minute"), Cognito unreachable.
"""

import logging

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import (
    CodeMismatch,
    CognitoError,
    CognitoUnavailable,
    ExpiredCode,
    InvalidPassword,
    LimitExceeded,
    NotAllowed,
    SignUpClosed,
    Throttled,
    TooManyRequests,
    TriggerRefused,
)
from . import services
from .forms import CodeForm, EmailForm, ResetForm, SignUpForm
from .options import pool_facts
from .throttle import throttle_check

logger = logging.getLogger(__name__)

PENDING_SIGN_UP_KEY = "signup_pending"
RESET_EMAIL_KEY = "signup_reset_email"

WRONG_CODE = "That code is not right, or it belongs to an older email. Check the newest email and try again."
EXPIRED_CODE = "That code has expired. Ask for a new one below."
REFUSED_BY_TRIGGER = "This email address cannot be used to sign up here. Please use another one."


def _problem(request, *, title, message, status, retry_url):
    return render(
        request,
        "accounts/sign_in_problem.html",
        {"title": title, "message": message, "retry_url": retry_url},
        status=status,
    )


def _refusal(request, exc, *, retry_url):
    """Return the page for a refusal that is nobody's typing mistake; None for one the form shows."""
    if isinstance(exc, Throttled | LimitExceeded | TooManyRequests):
        return _problem(
            request,
            title="Too many attempts",
            message="Too many attempts in a short time. Try again in a minute.",
            status=429,
            retry_url=retry_url,
        )
    if isinstance(exc, SignUpClosed):
        return render(request, "accounts/signup/invitation_only.html", status=403)
    if isinstance(exc, CognitoUnavailable):
        return _problem(
            request,
            title="Unavailable right now",
            message="We could not reach the sign-in service. Nothing was changed. Try again in a few minutes.",
            status=503,
            retry_url=retry_url,
        )
    if isinstance(exc, NotAllowed):
        logger.error("Sign-up is misconfigured: %s", exc)
        return _problem(
            request,
            title="Sign-up is unavailable",
            message="Sign-up is not set up correctly on this site. Please tell the site's administrators.",
            status=503,
            retry_url=reverse("home"),
        )
    return None


def _pending(request):
    data = request.session.get(PENDING_SIGN_UP_KEY)
    if isinstance(data, dict) and isinstance(data.get("email"), str) and isinstance(data.get("sub"), str):
        return services.PendingSignUp(email=data["email"], sub=data["sub"])
    return None


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Ask for email, names and password (the pool's policy shown first); SignUp; then the code page."""
    retry = reverse("sign_up")
    try:
        facts = pool_facts()
    except CognitoError as exc:
        return _refusal(request, exc, retry_url=retry) or _problem(
            request, title="Sign-up failed", message=exc.plain, status=400, retry_url=retry
        )
    if not facts.self_sign_up:
        return render(request, "accounts/signup/invitation_only.html")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            throttle_check(request=request, action="sign-up", email=data["email"])
            pending = services.account_sign_up(
                email=data["email"],
                password=data["password"],
                given_name=data["given_name"],
                family_name=data["family_name"],
            )
        except InvalidPassword:
            form.add_error("password", f"This password does not meet the rules: {facts.password_words}")
        except TriggerRefused as exc:
            # The pool's PreSignUp trigger (triggers/pre_sign_up.py) words its refusal as a sentence for this page.
            logger.info("Sign-up refused by the PreSignUp trigger")
            form.add_error("email", exc.sentence or REFUSED_BY_TRIGGER)
        except CognitoError as exc:
            page = _refusal(request, exc, retry_url=retry)
            if page is not None:
                return page
            logger.warning("Sign-up refused: %s", exc.code or type(exc).__name__)
            form.add_error(None, "Cognito refused this sign-up. Check the fields and try again.")
        else:
            request.session[PENDING_SIGN_UP_KEY] = {"email": pending.email, "sub": pending.sub}
            return redirect("sign_up_confirm")
    return render(
        request, "accounts/signup/sign_up.html", {"form": form, "password_words": facts.password_words}, status=200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up_confirm(request):
    """Take the emailed code; the same page whether or not the email already had an account."""
    pending = _pending(request)
    if pending is None:
        return redirect("sign_up")
    retry = reverse("sign_up_confirm")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            throttle_check(request=request, action="code", email=pending.email)
            services.sign_up_confirm(pending=pending, code=form.cleaned_data["code"])
        except CodeMismatch:
            form.add_error("code", WRONG_CODE)
        except ExpiredCode:
            form.add_error("code", EXPIRED_CODE)
        except CognitoError as exc:
            page = _refusal(request, exc, retry_url=retry)
            if page is not None:
                return page
            logger.warning("Confirming a sign-up refused: %s", exc.code or type(exc).__name__)
            form.add_error("code", WRONG_CODE)
        else:
            request.session.pop(PENDING_SIGN_UP_KEY, None)
            return redirect("sign_up_done")
    return render(request, "accounts/signup/sign_up_confirm.html", {"form": form, "email": pending.email})


@require_POST
def sign_up_resend(request):
    """Email the sign-up code again (throttled like every code request)."""
    pending = _pending(request)
    if pending is None:
        return redirect("sign_up")
    try:
        throttle_check(request=request, action="resend", email=pending.email)
        services.sign_up_code_resend(pending=pending)
    except CognitoError as exc:
        page = _refusal(request, exc, retry_url=reverse("sign_up_confirm"))
        if page is not None:
            return page
        logger.warning("Resending a sign-up code refused: %s", exc.code or type(exc).__name__)
    messages.info(request, f"If {pending.email} can receive email, a new code is on its way.")
    return redirect("sign_up_confirm")


@never_cache
def sign_up_done(request):
    return render(request, "accounts/signup/sign_up_done.html")


@never_cache
@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """Ask for the email; ForgotPassword; then the reset page, whatever the email."""
    retry = reverse("forgot_password")
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            throttle_check(request=request, action="reset", email=email)
            services.password_reset_start(email=email)
        except CognitoError as exc:
            page = _refusal(request, exc, retry_url=retry)
            if page is not None:
                return page
            logger.warning("Password reset refused: %s", exc.code or type(exc).__name__)
        request.session[RESET_EMAIL_KEY] = email
        return redirect("forgot_password_reset")
    return render(request, "accounts/signup/forgot_password.html", {"form": form})


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def forgot_password_reset(request):
    """Take the emailed code and a new password (the pool's policy shown first); ConfirmForgotPassword."""
    email = request.session.get(RESET_EMAIL_KEY)
    if not isinstance(email, str) or not email:
        return redirect("forgot_password")
    retry = reverse("forgot_password_reset")
    try:
        words = pool_facts().password_words
    except CognitoError as exc:
        return _refusal(request, exc, retry_url=retry) or _problem(
            request, title="Reset failed", message=exc.plain, status=400, retry_url=retry
        )
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            throttle_check(request=request, action="code", email=email)
            services.password_reset_finish(
                email=email, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
            )
        except CodeMismatch:
            form.add_error("code", WRONG_CODE)
        except ExpiredCode:
            form.add_error("code", "That code has expired. Start again to get a new one.")
        except InvalidPassword:
            form.add_error("password", f"This password does not meet the rules: {words}")
        except CognitoError as exc:
            page = _refusal(request, exc, retry_url=retry)
            if page is not None:
                return page
            logger.warning("Password reset refused: %s", exc.code or type(exc).__name__)
            form.add_error("code", WRONG_CODE)
        else:
            request.session.pop(RESET_EMAIL_KEY, None)
            return redirect("forgot_password_done")
    return render(
        request, "accounts/signup/reset_password.html", {"form": form, "email": email, "password_words": words}
    )


@never_cache
def forgot_password_done(request):
    return render(request, "accounts/signup/reset_done.html")
