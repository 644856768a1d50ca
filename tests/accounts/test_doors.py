"""The rooms of accounts/ and the doors between them, as docs/architecture.md draws them, read from the code.

A room (``cognito``, ``signin``, ``sessions``, ``federation``, ``pooladmin``,
``provisioning``, ``api``, ``credentials``) uses the seam (``accounts.cognito``) and the shared modules
(``claims``, ``policy``, ``exceptions``, ``models``), never another room's
internals except through the doors listed here. Production code never imports
``devstack`` or ``tests``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ROOT / "accounts"
ROOMS = {
    "cognito",
    "signin",
    "sessions",
    "federation",
    "pooladmin",
    "provisioning",
    "api",
    "credentials",
    "selfservice",
    "signup",
}
ROOM_PACKAGES = {f"accounts.{room}" for room in ROOMS}
SHARED = {"accounts.exceptions", "accounts.models", "accounts.claims", "accounts.policy"}
#: Which shared module may import what: the seam knows only the exceptions; claims knows no room.
SHARED_MAY_IMPORT = {
    "accounts.exceptions": set(),
    "accounts.models": set(),
    "accounts.claims": {"accounts.models", "accounts.exceptions"},
    "accounts.policy": {"accounts.cognito", "accounts.exceptions", "accounts.models"},
}
#: The doors between rooms: (room, module of another room it may import), each for a reason.
DOORS = {
    # The sign-in ends and records sessions, and offers the configured providers.
    ("signin", "accounts.sessions.records"),
    ("signin", "accounts.federation.providers"),
    # A federated sign-in that meets an existing account is offered the connection (and keeps it over a switch).
    ("signin", "accounts.federation.connect"),
    # "Sign in with your company" asks which company an email's domain belongs to.
    ("signin", "accounts.federation.saml"),
    # Linking merges two site users, ending the merged one's sessions, and writes the one admin log.
    ("federation", "accounts.sessions.records"),
    ("federation", "accounts.pooladmin.audit"),
    # The admin's changes end sessions on the site; a federated user's page offers linking.
    ("pooladmin", "accounts.sessions.records"),
    ("pooladmin", "accounts.federation.views"),
    ("pooladmin", "accounts.federation.providers"),
    # A bulk set-password job keeps its password encrypted (as session tokens are) until the job ends.
    ("pooladmin", "accounts.sessions.encryption"),
    # The API lists and ends the caller's sessions with the account page's service.
    ("api", "accounts.sessions.records"),
    # Self-service writes with the session's access token, renews the session so the site shows the change,
    # keeps a pending authenticator secret encrypted in the session, and reads which providers are linked.
    ("selfservice", "accounts.sessions.records"),
    ("selfservice", "accounts.sessions.renewal"),
    ("selfservice", "accounts.sessions.encryption"),
    ("selfservice", "accounts.federation.providers"),
    # Credentials belong to a session: they are fetched with its ID token and go when its record goes.
    ("credentials", "accounts.sessions.records"),
    ("credentials", "accounts.sessions.encryption"),
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """Yield the absolute names of the modules ``path`` imports (relative imports resolved)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            # ``from . import x`` imports the module ``x`` of that package.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _room(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "accounts" and parts[1] in ROOMS else None


def _is_module(name):
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _production_files():
    for folder in ("accounts", "config"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize("path", list(_production_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_production_code_goes_through_the_doors(path):
    module = _module_name(path)
    room = _room(module)
    wrong = []
    for name in set(_imports(path)):
        if name.split(".")[0] in {"devstack", "tests"}:
            wrong.append(f"{name} (development only)")
            continue
        if not name.startswith("accounts.") or not _is_module(name) or name in ROOM_PACKAGES:
            continue  # a room's package itself is empty: what counts is the module imported from it
        target_room = _room(name)
        if module in SHARED_MAY_IMPORT:
            allowed = SHARED_MAY_IMPORT[module]
            if not any(name == a or name.startswith(a + ".") for a in allowed) and not name.startswith(module):
                wrong.append(name)
        elif room == "cognito":
            if target_room != "cognito" and name != "accounts.exceptions":
                wrong.append(name)
        elif room is not None and target_room not in {None, "cognito", room} and (room, name) not in DOORS:
            wrong.append(name)
    assert not wrong, f"{module} imports {sorted(wrong)}: through no door of docs/architecture.md"


def test_the_doors_lead_somewhere():
    """A door to a module that no longer exists is a stale drawing."""
    assert all(_is_module(name) for _, name in DOORS)
