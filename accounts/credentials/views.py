""" "My files" and "AWS access": pages that use the person's temporary AWS credentials.

Views arrange; accounts.credentials.services and .files decide. Every refusal
(no identity pool, a role mapping that denies, a refused token, AWS out of
reach, a bad file name) is a sentence on the page, never a 500.
"""

import logging
import shlex

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from ..exceptions import (
    AccessDenied,
    AwsUnavailable,
    CognitoError,
    FileMissing,
    IdentityPoolMissing,
    InputRefused,
    RoleDenied,
    TokenRefused,
)
from . import files, services

logger = logging.getLogger(__name__)

_STATUS = (
    (InputRefused, 400),
    (FileMissing, 404),
    ((RoleDenied, TokenRefused, AccessDenied), 403),
    ((AwsUnavailable, IdentityPoolMissing), 503),
)


def _status(exc):
    for classes, status in _STATUS:
        if isinstance(exc, classes):
            return status
    return 502


class UploadForm(forms.Form):
    file = forms.FileField(label="File", allow_empty_file=True)


@never_cache
@login_required
@require_GET
def files_page(request):
    """List the person's files, with an upload form."""
    try:
        folder = files.files_list(request=request)
    except CognitoError as exc:
        logger.info("My files for user %s: %s", request.user.cognito_sub, exc)
        return render(request, "credentials/files.html", {"error": exc.plain}, status=_status(exc))
    return render(
        request,
        "credentials/files.html",
        {"folder": folder, "form": UploadForm(), "max_mb": settings.COGNITO_FILES_MAX_BYTES // (1024 * 1024)},
    )


@login_required
@require_POST
def file_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("files")
    upload = form.cleaned_data["file"]
    if upload.size > settings.COGNITO_FILES_MAX_BYTES:
        messages.error(request, f"That file is too large: at most {settings.COGNITO_FILES_MAX_BYTES // 2**20} MB.")
        return redirect("files")
    try:
        name = files.file_upload(
            request=request, name=upload.name, body=upload.read(), content_type=upload.content_type or ""
        )
    except CognitoError as exc:
        messages.error(request, exc.plain)
    else:
        messages.success(request, f"Uploaded {name}.")
    return redirect("files")


@never_cache
@login_required
@require_GET
def file_download(request):
    try:
        body = files.file_download(request=request, name=request.GET.get("name", ""))
    except CognitoError as exc:
        return render(request, "credentials/files.html", {"error": exc.plain}, status=_status(exc))
    # Always a download, never rendered: an uploaded HTML file must not run as the site.
    response = HttpResponse(body.body, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=body.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
def file_delete(request):
    """GET: ask to confirm. POST: delete the file."""
    name = request.POST.get("name", "") if request.method == "POST" else request.GET.get("name", "")
    try:
        name = files.file_name_check(name)
    except InputRefused as exc:
        messages.error(request, exc.plain)
        return redirect("files")
    if request.method != "POST":
        return render(request, "credentials/file_delete.html", {"name": name})
    try:
        files.file_delete(request=request, name=name)
    except CognitoError as exc:
        messages.error(request, exc.plain)
    else:
        messages.success(request, f"Deleted {name}.")
    return redirect("files")


@never_cache
@login_required
@require_GET
def aws_access(request):
    """Show the person's identity id, role and credentials' expiry (fetching credentials if the session has none)."""
    context = {"identity_pool_id": settings.COGNITO_IDENTITY_POOL_ID}
    try:
        aws = services.session_credentials(request=request)
        context.update(aws=aws, role_arn=services.session_role(request=request, aws=aws))
    except CognitoError as exc:
        logger.info("AWS access for user %s: %s", request.user.cognito_sub, exc)
        context["error"] = exc.plain
        return render(request, "credentials/aws_access.html", context, status=_status(exc))
    return render(request, "credentials/aws_access.html", context)


@sensitive_variables("aws", "lines")
def export_lines(aws, *, region, endpoint_url):
    """Return the shell ``export`` lines for the AWS CLI and SDKs (quoted for a POSIX shell)."""
    lines = [
        f"export AWS_ACCESS_KEY_ID={shlex.quote(aws.credentials.access_key_id)}",
        f"export AWS_SECRET_ACCESS_KEY={shlex.quote(aws.credentials.secret_key)}",
        f"export AWS_SESSION_TOKEN={shlex.quote(aws.credentials.session_token)}",
        f"export AWS_REGION={shlex.quote(region)}",
    ]
    if endpoint_url:
        # The local stack: the CLI and SDKs read AWS_ENDPOINT_URL.
        lines.append(f"export AWS_ENDPOINT_URL={shlex.quote(endpoint_url)}")
    return lines


@never_cache
@login_required
@require_POST
@sensitive_variables("aws", "lines")
def aws_credentials_export(request):
    """Show the temporary credentials as export lines, on an explicit POST, on a page no cache keeps."""
    try:
        aws = services.session_credentials(request=request)
    except CognitoError as exc:
        return render(request, "credentials/aws_access.html", {"error": exc.plain}, status=_status(exc))
    lines = export_lines(aws, region=settings.COGNITO_REGION, endpoint_url=settings.COGNITO_ENDPOINT_URL)
    logger.info("Showed AWS credentials to user %s", request.user.cognito_sub)
    return render(request, "credentials/aws_export.html", {"aws": aws, "export": "\n".join(lines)})
