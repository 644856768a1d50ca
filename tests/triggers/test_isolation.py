"""triggers/ runs on Lambda: no module imports Django, the project, or a neighbour (each is zipped alone)."""

import ast
from pathlib import Path

import pytest

from accounts.provisioning.triggers import HANDLERS

#: What a handler may import: the standard library, and boto3 (on Lambda's Python runtime) inside a function.
ALLOWED = {"os", "boto3"}


@pytest.mark.parametrize("path", sorted(Path(HANDLERS).glob("*.py")), ids=lambda p: p.name)
def test_a_handler_imports_only_the_standard_library_and_boto3(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name} imports relatively: it is zipped alone"
            names.add((node.module or "").split(".")[0])
    assert names <= ALLOWED, f"{path.name} imports {sorted(names - ALLOWED)}"
    if path.name != "__init__.py":
        assert "def handler(event, context)" in path.read_text()
        assert "Event:" in (ast.get_docstring(tree) or "")
