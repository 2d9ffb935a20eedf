"""How the packages may depend on each other, read from the source with ``ast`` (function-level imports too)."""
import ast
from pathlib import Path

import pytest

from ipdesk.cases import models as case_models
from ipdesk.config import PROJECT_ROOT
from ipdesk.evidence import models as evidence_models

PACKAGE = PROJECT_ROOT / "ipdesk"
DOMAINS = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py") if p.parent.name != "core")

pytestmark = pytest.mark.db_independent


def _modules(folder: Path = PACKAGE) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement names (``from ipdesk import cases`` names ``ipdesk.cases``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.module == "ipdesk":
        return [f"ipdesk.{alias.name}" for alias in node.names]
    return [node.module or ""]


def _imports(path: Path) -> list[tuple[ast.Import | ast.ImportFrom, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node, name) for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for name in _imported(node)]


def _function_imports(path: Path) -> list[ast.Import | ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node for function in ast.walk(tree) if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
             for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)}
    return sorted(found, key=lambda node: node.lineno)


def test_the_domain_packages_are_found():
    assert {"cases", "evidence", "audit", "costs"} <= set(DOMAINS)


def test_core_imports_no_domain_package():
    wrong = [f"{_name(path)}:{node.lineno} imports {name}"
             for path in _modules(PACKAGE / "core") for node, name in _imports(path)
             if any(name == f"ipdesk.{domain}" or name.startswith(f"ipdesk.{domain}.") for domain in DOMAINS)]
    assert wrong == []


def test_case_and_cost_forms_do_not_import_each_other():
    pairs = [("ipdesk/cases/forms.py", "ipdesk.costs"), ("ipdesk/costs/forms.py", "ipdesk.cases")]
    wrong = [f"{module}:{node.lineno} imports {name}" for module, other in pairs
             for node, name in _imports(PROJECT_ROOT / module) if name == other or name.startswith(f"{other}.forms")]
    assert wrong == []


def test_function_level_imports_of_ipdesk_name_their_cycle():
    """An import of ipdesk inside a function is there only because a cycle forces it, and says which."""
    unexplained = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in _function_imports(path):
            if not any(name == "ipdesk" or name.startswith("ipdesk.") for name in _imported(node)):
                continue
            if not any("# cycle:" in line for line in lines[node.lineno - 1:node.end_lineno]):
                unexplained.append(f"{_name(path)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert unexplained == []


def test_evidence_items_live_in_the_evidence_package():
    """One domain, one package: the item and its kind are not defined (nor re-exported) by cases."""
    for name in ("EvidenceItem", "EvidenceKind"):
        assert getattr(getattr(evidence_models, name, None), "__module__", None) == "ipdesk.evidence.models"
        assert not hasattr(case_models, name)
