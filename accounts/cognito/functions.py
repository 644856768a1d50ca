"""The seam's Lambda and IAM side: the functions behind the pool's triggers and their execution roles.

Only provisioning uses it (accounts/provisioning/triggers.py). Like the
user-pool client it has timeouts and adaptive retries, uses the local stack's
fixed keys when an endpoint is given, translates vendor errors into
accounts.exceptions errors and returns small dataclasses.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from django.conf import settings

from ..exceptions import CognitoError
from .client import BOTO_ERRORS, _translate, aws_client

logger = logging.getLogger(__name__)

#: A zip upload takes longer than a user-pool call; Lambda's own SDK default read timeout is 60 s.
UPLOAD_TIMEOUT = 60.0
#: A role just created is not yet assumable by Lambda for some seconds (IAM is eventually consistent).
ROLE_PROPAGATION_ATTEMPTS = 10
ROLE_PROPAGATION_WAIT = 3.0


@lru_cache(maxsize=8)
def _boto_client(service, region, endpoint_url, timeout):
    config = Config(
        connect_timeout=timeout,
        read_timeout=max(timeout, UPLOAD_TIMEOUT if service == "lambda" else timeout),
        retries={"mode": "adaptive", "max_attempts": 4},
    )
    return aws_client(service, region=region, endpoint_url=endpoint_url, config=config)


@dataclass(frozen=True)
class Function:
    """A Lambda function as GetFunction describes it (the parts provisioning compares)."""

    name: str
    arn: str
    code_sha256: str
    last_modified: str = ""
    handler: str = ""
    runtime: str = ""
    role: str = ""
    timeout: int = 0
    environment: dict = field(default_factory=dict)


def _function(config):
    return Function(
        name=config["FunctionName"],
        arn=config["FunctionArn"],
        code_sha256=config.get("CodeSha256", ""),
        last_modified=config.get("LastModified", ""),
        handler=config.get("Handler", ""),
        runtime=config.get("Runtime", ""),
        role=config.get("Role", ""),
        timeout=config.get("Timeout", 0),
        environment=dict((config.get("Environment") or {}).get("Variables") or {}),
    )


class FunctionsClient:
    """Typed wrappers around the Lambda and IAM calls that deploy the pool's triggers."""

    def __init__(self, *, region=None, endpoint_url=None):
        region = region or settings.COGNITO_REGION
        endpoint_url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
        self.is_local = bool(endpoint_url)
        self._lambda = _boto_client("lambda", region, endpoint_url, settings.COGNITO_TIMEOUT)
        self._iam = _boto_client("iam", region, endpoint_url, settings.COGNITO_TIMEOUT)

    @staticmethod
    def _call(client, operation, **kwargs):
        try:
            return getattr(client, operation)(**kwargs)
        except BOTO_ERRORS as exc:
            raise _translate(exc, operation) from exc

    def _wait(self, waiter, name):
        # A function is "Pending" after CreateFunction and "InProgress" after an
        # update; Lambda refuses the next change to it until then.
        # https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
        try:
            self._lambda.get_waiter(waiter).wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        except (WaiterError, ClientError, BotoCoreError) as exc:
            raise CognitoError(f"{waiter}: function {name} did not become ready ({type(exc).__name__})") from exc

    # -- functions -------------------------------------------------------------

    def get_function(self, name: str) -> Function | None:
        """Return the function named ``name``, or None when there is none."""
        try:
            return _function(self._lambda.get_function(FunctionName=name)["Configuration"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise _translate(exc, "GetFunction") from exc
        except BotoCoreError as exc:
            raise _translate(exc, "GetFunction") from exc

    def create_function(self, name, *, zip_bytes, handler, runtime, role_arn, timeout, environment) -> Function:
        kwargs = {
            "FunctionName": name,
            "Runtime": runtime,
            "Role": role_arn,
            "Handler": handler,
            "Code": {"ZipFile": zip_bytes},
            "Timeout": timeout,
            "Environment": {"Variables": environment},
            "Publish": False,
        }
        for attempt in range(1, ROLE_PROPAGATION_ATTEMPTS + 1):
            try:
                created = self._lambda.create_function(**kwargs)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                assumable_later = error.get("Code") == "InvalidParameterValueException" and "assumed" in error.get(
                    "Message", ""
                )
                if assumable_later and attempt < ROLE_PROPAGATION_ATTEMPTS and not self.is_local:
                    time.sleep(ROLE_PROPAGATION_WAIT)
                    continue
                raise _translate(exc, "CreateFunction") from exc
            except BotoCoreError as exc:
                raise _translate(exc, "CreateFunction") from exc
            break
        self._wait("function_active_v2", name)
        return _function(created)

    def update_function_code(self, name: str, *, zip_bytes: bytes) -> None:
        self._call(self._lambda, "update_function_code", FunctionName=name, ZipFile=zip_bytes)
        self._wait("function_updated_v2", name)

    def update_function_configuration(self, name, *, handler, runtime, role_arn, timeout, environment) -> None:
        self._call(
            self._lambda,
            "update_function_configuration",
            FunctionName=name,
            Handler=handler,
            Runtime=runtime,
            Role=role_arn,
            Timeout=timeout,
            Environment={"Variables": environment},
        )
        self._wait("function_updated_v2", name)

    def invoke_permission_statements(self, name: str) -> list[dict]:
        """Return the statements of the function's resource-based policy (none when it has no policy)."""
        try:
            policy = self._lambda.get_policy(FunctionName=name)["Policy"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []
            raise _translate(exc, "GetPolicy") from exc
        except BotoCoreError as exc:
            raise _translate(exc, "GetPolicy") from exc
        statements = json.loads(policy).get("Statement", [])
        return [s for s in statements if isinstance(s, dict)]

    def add_invoke_permission(self, name: str, *, statement_id: str, principal: str, source_arn: str) -> None:
        self._call(
            self._lambda,
            "add_permission",
            FunctionName=name,
            StatementId=statement_id,
            Action="lambda:InvokeFunction",
            Principal=principal,
            SourceArn=source_arn,
        )

    def remove_permission(self, name: str, *, statement_id: str) -> None:
        self._call(self._lambda, "remove_permission", FunctionName=name, StatementId=statement_id)

    # -- execution roles -------------------------------------------------------

    def role_arn(self, name: str) -> str:
        """Return the ARN of the IAM role ``name``, or "" when there is none."""
        try:
            return self._iam.get_role(RoleName=name)["Role"]["Arn"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return ""
            raise _translate(exc, "GetRole") from exc
        except BotoCoreError as exc:
            raise _translate(exc, "GetRole") from exc

    def create_role(self, name: str, *, trust_policy: dict, description: str) -> str:
        role = self._call(
            self._iam,
            "create_role",
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust_policy),
            Description=description,
        )
        return role["Role"]["Arn"]

    def role_policy(self, role: str, policy: str) -> dict | None:
        """Return the inline policy document ``policy`` of ``role``, or None when it has none."""
        try:
            document = self._iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise _translate(exc, "GetRolePolicy") from exc
        except BotoCoreError as exc:
            raise _translate(exc, "GetRolePolicy") from exc
        # AWS answers the document URL-encoded JSON text; boto3 decodes it to a dict.
        return json.loads(document) if isinstance(document, str) else document

    def put_role_policy(self, role: str, policy: str, *, document: dict) -> None:
        self._call(self._iam, "put_role_policy", RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
