"""The seam to S3: the site's bucket setup, and a person's own files with their temporary credentials.

``PersonStorage`` signs every call with the person's credentials, so AWS (the
role's policy) decides as well as the site; ``SiteStorage`` uses the site's
own keys and is for provisioning only.
"""

from botocore.exceptions import BotoCoreError
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from ..exceptions import CredentialsError, FileMissing, InputRefused
from .client import BOTO_ERRORS
from .identity import person_client, site_client, translate
from .types import AwsCredentials, FileBody, StoredFile


def _call(client, operation, **kwargs):
    name = "".join(part.capitalize() for part in operation.split("_"))
    try:
        return getattr(client, operation)(**kwargs)
    except BOTO_ERRORS as exc:
        raise translate(exc, name, service="S3") from exc


class SiteStorage:
    """The bucket itself, with the site's credentials (provisioning)."""

    def __init__(self, *, region, endpoint_url):
        self.region = region
        self._s3 = site_client("s3", region, endpoint_url or None, settings.COGNITO_TIMEOUT)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            _call(self._s3, "head_bucket", Bucket=bucket)
        except CredentialsError as exc:
            # HeadBucket has no body: a missing bucket arrives as code "404".
            if isinstance(exc, FileMissing) or exc.code in {"404", "NotFound"}:
                return False
            raise
        return True

    def create_bucket(self, bucket: str) -> None:
        kwargs = {"Bucket": bucket}
        if self.region != "us-east-1":
            # Every region but us-east-1 needs its name here (S3 CreateBucket).
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        _call(self._s3, "create_bucket", **kwargs)

    def block_public_access(self, bucket: str) -> None:
        """Turn on all four S3 Block Public Access settings for the bucket."""
        _call(
            self._s3,
            "put_public_access_block",
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )


class PersonStorage:
    """One person's folder of the bucket, reached with their own temporary credentials."""

    @sensitive_variables("credentials")
    def __init__(self, credentials: AwsCredentials, *, bucket: str, region=None, endpoint_url=None):
        self.bucket = bucket
        self._s3 = person_client("s3", credentials, region=region, endpoint_url=endpoint_url)

    def list(self, prefix: str, *, limit: int = 1000) -> list[StoredFile]:
        """Return the objects under ``prefix`` (one ListObjectsV2 page of at most ``limit``)."""
        answer = _call(self._s3, "list_objects_v2", Bucket=self.bucket, Prefix=prefix, MaxKeys=limit)
        files = []
        for raw in answer.get("Contents", []):
            key = raw.get("Key")
            if not isinstance(key, str) or not key.startswith(prefix) or len(key) > 1024:
                continue  # never show what is not under the person's prefix
            size = raw.get("Size", 0)
            files.append(
                StoredFile(
                    key=key,
                    name=key[len(prefix) :],
                    size=size if isinstance(size, int) else 0,
                    modified=raw.get("LastModified"),
                )
            )
        return files

    def put(self, key: str, body: bytes, *, content_type: str) -> None:
        _call(self._s3, "put_object", Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str, *, name: str, max_bytes: int) -> FileBody:
        answer = _call(self._s3, "get_object", Bucket=self.bucket, Key=key)
        stream = answer["Body"]
        try:
            body = stream.read(max_bytes + 1)
        except BotoCoreError as exc:
            raise translate(exc, "GetObject", service="S3") from exc
        finally:
            stream.close()
        if len(body) > max_bytes:
            raise InputRefused(f"That file is larger than the site hands out ({max_bytes} bytes).")
        content_type = answer.get("ContentType") or "application/octet-stream"
        return FileBody(name=name, content_type=str(content_type)[:200], size=len(body), body=body)

    def delete(self, key: str) -> None:
        _call(self._s3, "delete_object", Bucket=self.bucket, Key=key)
