"""Deploy the pool's Lambda triggers (triggers/) from config/cognito.toml's ``[triggers]`` and set its LambdaConfig.

Each handler module is packaged alone into a zip with fixed timestamps and
modes, so the same code always gives the same CodeSha256: a run with nothing
changed uploads nothing. Each function has an execution role of its own with
only what its handler needs (README, "Lambda triggers").
"""

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..cognito.functions import FunctionsClient
from ..exceptions import InputRefused

#: The folder of the handlers, read as files: provisioning never imports them.
HANDLERS = Path(__file__).resolve().parents[2] / "triggers"
#: Zip entries' timestamp (the earliest a zip can hold) and mode, so that a zip depends on the code only.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644 << 16
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
COGNITO_PRINCIPAL = "cognito-idp.amazonaws.com"
#: The LambdaConfig keys this step owns; any other (a KMS key, a custom sender) is kept as it is.
MANAGED_KEYS = {"PreSignUp", "PostConfirmation", "CustomMessage", "PreTokenGenerationConfig", "PreTokenGeneration"}


@dataclass
class TriggersResult:
    #: Trigger name -> function ARN, for the triggers the file declares.
    functions: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)


def package(module: str) -> bytes:
    """Return the deployment zip of ``triggers/{module}.py``: the module alone, at the zip's root."""
    source = HANDLERS / f"{module}.py"
    if not source.is_file():
        raise InputRefused(f"[triggers.functions] names {module!r}, but triggers/{module}.py does not exist")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo(f"{module}.py", date_time=ZIP_DATE)
        entry.external_attr = ZIP_MODE
        entry.create_system = 3
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, source.read_bytes())
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    """Return Lambda's CodeSha256 of a zip: the base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def _environment(trigger, settings, site_url):
    """Return the Lambda environment variables the handler of ``trigger`` reads."""
    if trigger == "PreSignUp":
        return {"ALLOWED_EMAIL_DOMAINS": ",".join(settings.get("allowed_email_domains", []))}
    if trigger == "PostConfirmation":
        return {"DEFAULT_GROUP": settings.get("default_group", "")}
    if trigger == "PreTokenGeneration":
        return {"CLAIM_ATTRIBUTE": settings.get("claim_attribute", ""), "CLAIM_NAME": settings.get("claim_name", "")}
    if trigger == "CustomMessage":
        return {"SITE_NAME": settings.get("site_name", ""), "SITE_URL": site_url}
    raise InputRefused(f"[triggers.functions] declares {trigger!r}, which provisioning does not know how to deploy")


def execution_policy(trigger, *, function_name, pool_arn):
    """Return the inline policy of ``trigger``'s role: its own log group; PostConfirmation also AdminAddUserToGroup."""
    partition, _, region, account = pool_arn.split(":")[1:5]
    group = f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{function_name}"
    statements = [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": group},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group}:*"},
    ]
    if trigger == "PostConfirmation":
        statements.append({"Effect": "Allow", "Action": "cognito-idp:AdminAddUserToGroup", "Resource": pool_arn})
    return {"Version": "2012-10-17", "Statement": statements}


def _lambda_config(current, functions):
    wanted = {key: value for key, value in current.items() if key not in MANAGED_KEYS}
    for trigger, arn in functions.items():
        if trigger == "PreTokenGeneration":
            # V2_0: both tokens; needs the Essentials or Plus feature plan on AWS.
            wanted["PreTokenGenerationConfig"] = {"LambdaVersion": "V2_0", "LambdaArn": arn}
        else:
            wanted[trigger] = arn
    v2 = wanted.get("PreTokenGenerationConfig", {}).get("LambdaArn")
    if v2 and current.get("PreTokenGeneration") == v2:
        # AWS answers the V2 function under the V1 key too; it is the same setting.
        wanted["PreTokenGeneration"] = v2
    return wanted


def _role_provision(functions, *, name, trigger, function_name, pool_arn, changes):
    arn = functions.role_arn(name)
    if not arn:
        arn = functions.create_role(name, trust_policy=LAMBDA_TRUST, description=f"Runs the pool's {trigger} trigger.")
        changes.append(f"created role {name}")
    document = execution_policy(trigger, function_name=function_name, pool_arn=pool_arn)
    if functions.role_policy(name, "trigger") != document:
        functions.put_role_policy(name, "trigger", document=document)
        changes.append(f"set the policy of role {name}")
    return arn


def _function_provision(functions, *, name, module, settings, role_arn, environment, changes):
    zip_bytes = package(module)
    wanted = {
        "handler": f"{module}.handler",
        "runtime": settings.get("runtime", "python3.12"),
        "role_arn": role_arn,
        "timeout": settings.get("timeout_seconds", 5),
        "environment": environment,
    }
    current = functions.get_function(name)
    if current is None:
        current = functions.create_function(name, zip_bytes=zip_bytes, **wanted)
        changes.append(f"created function {name}")
        return current.arn
    if current.code_sha256 != code_sha256(zip_bytes):
        functions.update_function_code(name, zip_bytes=zip_bytes)
        changes.append(f"updated the code of function {name}")
    have = {
        "handler": current.handler,
        "runtime": current.runtime,
        "role_arn": current.role,
        "timeout": current.timeout,
        "environment": current.environment,
    }
    if have != wanted:
        functions.update_function_configuration(name, **wanted)
        changes.append(f"updated the configuration of function {name}")
    return current.arn


def _permission_provision(functions, *, name, trigger, pool_arn, changes):
    """Let Cognito, for this pool only, invoke the function (AWS needs it; the local stack does not check)."""
    sid = f"cognito-{trigger}"
    for statement in functions.invoke_permission_statements(name):
        if statement.get("Sid") != sid:
            continue
        source = ((statement.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn")
        if source == pool_arn:
            return
        functions.remove_permission(name, statement_id=sid)
    functions.add_invoke_permission(name, statement_id=sid, principal=COGNITO_PRINCIPAL, source_arn=pool_arn)
    changes.append(f"let {COGNITO_PRINCIPAL} invoke {name} for pool {pool_arn.rpartition('/')[2]}")


def custom_attributes_provision(*, spec, cognito, changes):
    """Add the pool's declared custom attributes that it lacks (Cognito never removes or changes one)."""
    declared = spec.get("pool", {}).get("custom_attributes", [])
    if not declared:
        return
    have = {attribute.name for attribute in cognito.describe_pool().attributes}
    missing = [a for a in declared if f"custom:{a['name']}" not in have]
    if not missing:
        return
    cognito.add_custom_attributes(
        [
            {
                "Name": a["name"],
                "AttributeDataType": a.get("type", "String"),
                "Mutable": a.get("mutable", True),
                "StringAttributeConstraints": {
                    "MinLength": str(a.get("min_length", 0)),
                    "MaxLength": str(a.get("max_length", 256)),
                },
            }
            for a in missing
        ]
    )
    changes.extend(f"added custom attribute custom:{a['name']}" for a in missing)


def triggers_provision(*, spec, cognito, functions=None, site_url="") -> TriggersResult:
    """Deploy the triggers ``spec`` declares, each with its role and invoke permission, and point the pool at them.

    Lambda and IAM are written first, the pool's LambdaConfig last, so the pool
    never names a function that is not there. If setting LambdaConfig fails, the
    functions stay deployed and unused; running again finishes the job. A
    trigger removed from the file is unset on the pool; its function and role
    are left for a person to delete.
    """
    result = TriggersResult()
    settings = spec.get("triggers") or {}
    declared = settings.get("functions") or {}
    current = cognito.pool_lambda_config()
    if declared:
        functions = functions or FunctionsClient(region=cognito.region, endpoint_url=cognito.endpoint_url)
        pool_arn = cognito.pool_arn()
        prefix = settings["function_prefix"]
        for trigger, module in declared.items():
            environment = _environment(trigger, settings, site_url)
            name = f"{prefix}-{module.replace('_', '-')}"
            role_arn = _role_provision(
                functions, name=name, trigger=trigger, function_name=name, pool_arn=pool_arn, changes=result.changes
            )
            result.functions[trigger] = _function_provision(
                functions,
                name=name,
                module=module,
                settings=settings,
                role_arn=role_arn,
                environment=environment,
                changes=result.changes,
            )
            _permission_provision(functions, name=name, trigger=trigger, pool_arn=pool_arn, changes=result.changes)
    wanted = _lambda_config(current, result.functions)
    if wanted != current:
        cognito.update_pool_lambda_config(wanted)
        result.changes.append(f"set the pool's triggers: {', '.join(sorted(result.functions)) or 'none'}")
    return result
