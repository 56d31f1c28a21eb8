"""Where the loaders look for the data when no directory is passed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baro.core.config import get_settings
from baro.datasets import resolve_data_dir


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """BARO_DATA_DIR unset, and the cached settings forgotten before and after."""
    monkeypatch.delenv("BARO_DATA_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """<tmp>/main (the project, with a nested folder) beside <tmp>/shared/data."""
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "main" / "src" / "baro").mkdir(parents=True)
    return tmp_path


def test_an_explicit_directory_wins(no_env: None, tmp_path: Path) -> None:
    assert resolve_data_dir(tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_the_environment_variable_comes_next(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BARO_DATA_DIR", str(tmp_path / "from-env"))
    get_settings.cache_clear()

    assert resolve_data_dir() == tmp_path / "from-env"


def test_then_shared_data_beside_the_working_directory(
    no_env: None, monkeypatch: pytest.MonkeyPatch, checkout: Path
) -> None:
    monkeypatch.chdir(checkout / "main")

    assert resolve_data_dir() == (checkout / "shared" / "data").resolve()


def test_then_shared_data_found_walking_up(
    no_env: None, monkeypatch: pytest.MonkeyPatch, checkout: Path
) -> None:
    monkeypatch.chdir(checkout / "main" / "src" / "baro")

    assert resolve_data_dir().resolve() == (checkout / "shared" / "data").resolve()


def test_when_nothing_is_found_the_default_is_named_for_the_error(
    no_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "lonely").mkdir()
    monkeypatch.chdir(tmp_path / "lonely")

    found = resolve_data_dir()

    assert found.is_absolute()
    assert found == (tmp_path / "shared" / "data").resolve()
