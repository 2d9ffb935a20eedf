"""next= redirects go only to paths on this site."""
import pytest

from ipdesk.core.urls import safe_next

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize("target", ["/", "/companies?page=2", "/admin/users/3"])
def test_local_paths_are_followed(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\tevil",
    "/%0d%0aSet-Cookie:x",  # encoded CR/LF stays inside the path, which is harmless
    None,
    "",
])
def test_foreign_or_odd_targets_are_refused(target):
    result = safe_next(target)
    assert result is None or (result.startswith("/") and not result.startswith("//") and "\\" not in result)
    if target and ("evil.example" in target and "%0d" not in target):
        assert result is None
