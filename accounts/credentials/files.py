""" "My files": a person's own folder of the files bucket, reached with their own temporary credentials.

Every key is built here, and only as ``{prefix}{identity id}/{checked name}``:
a name with a path separator, "..", a control character or too many bytes is
refused before AWS is asked. On AWS the role's policy says the same; on the
local stack (no policy variables) this rule is what keeps people apart.
"""

import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from ..cognito.storage import PersonStorage
from ..cognito.types import FileBody, StoredFile
from ..exceptions import CredentialsExpired, IdentityPoolMissing, InputRefused
from . import services

logger = logging.getLogger(__name__)

#: S3 keys may be 1024 bytes; the folder takes about 70, and names stay readable.
NAME_MAX_BYTES = 255


def file_name_check(name: str) -> str:
    """Return ``name`` (NFC, trimmed) if it is a plain file name, else raise InputRefused saying why."""
    if not isinstance(name, str):
        raise InputRefused("A file name is needed.")
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise InputRefused("A file name is needed.")
    if len(name.encode()) > NAME_MAX_BYTES:
        raise InputRefused(f"That file name is too long: at most {NAME_MAX_BYTES} bytes.")
    if "/" in name or "\\" in name:
        raise InputRefused("A file name cannot hold / or \\: My files has no folders.")
    if name in {".", ".."} or ".." in name:
        raise InputRefused('A file name cannot hold "..".')
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in name):
        raise InputRefused("A file name cannot hold control characters.")
    return name


def folder(identity_id: str) -> str:
    """Return the person's folder: ``{prefix}{identity id}/``."""
    return f"{settings.COGNITO_FILES_PREFIX}{identity_id}/"


def file_key(identity_id: str, name: str) -> str:
    """Return the key of ``name`` in the person's folder; never a key outside it."""
    key = folder(identity_id) + file_name_check(name)
    if not key.startswith(folder(identity_id)) or key.count("/") != folder(identity_id).count("/"):
        raise InputRefused("That file name is not allowed.")
    return key


@dataclass(frozen=True)
class Folder:
    identity_id: str
    files: list


def _bucket():
    if not settings.COGNITO_FILES_BUCKET:
        raise IdentityPoolMissing("COGNITO_FILES_BUCKET is empty")
    return settings.COGNITO_FILES_BUCKET


def _with_storage(request, action):
    """Run ``action(storage, identity_id)`` with the person's credentials; once more with new ones if they expired."""
    bucket = _bucket()
    for attempt in (1, 2):
        aws = services.session_credentials(request=request)
        storage = PersonStorage(aws.credentials, bucket=bucket)
        try:
            return action(storage, aws.identity_id)
        except CredentialsExpired:
            services.credentials_forget(request=request)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def files_list(*, request: HttpRequest) -> Folder:
    """Return the files in the person's folder (AWS is only read)."""

    def action(storage, identity_id):
        files: list[StoredFile] = storage.list(folder(identity_id))
        return Folder(identity_id=identity_id, files=sorted(files, key=lambda f: f.name.lower()))

    return _with_storage(request, action)


def file_upload(*, request: HttpRequest, name: str, body: bytes, content_type: str) -> str:
    """Put ``body`` as ``name`` in the person's folder, replacing a file of that name; return the checked name.

    S3 is the only side written.
    """
    name = file_name_check(name)
    if len(body) > settings.COGNITO_FILES_MAX_BYTES:
        raise InputRefused(f"That file is too large: at most {settings.COGNITO_FILES_MAX_BYTES // (1024 * 1024)} MB.")

    def action(storage, identity_id):
        storage.put(file_key(identity_id, name), body, content_type=content_type or "application/octet-stream")
        return name

    return _with_storage(request, action)


def file_download(*, request: HttpRequest, name: str) -> FileBody:
    """Return the file ``name`` of the person's folder (AWS is only read)."""
    name = file_name_check(name)
    return _with_storage(
        request,
        lambda storage, identity_id: storage.get(
            file_key(identity_id, name), name=name, max_bytes=settings.COGNITO_FILES_MAX_BYTES
        ),
    )


def file_delete(*, request: HttpRequest, name: str) -> None:
    """Delete the file ``name`` of the person's folder. S3 is the only side written."""
    name = file_name_check(name)
    _with_storage(request, lambda storage, identity_id: storage.delete(file_key(identity_id, name)))
