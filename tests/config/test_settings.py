from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from newvisions.config.settings import Environment, Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="NV_JWT_SECRET"):
        _settings(environment=Environment.production, data_dir=tmp_path)


def test_production_refuses_a_weak_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="NV_JWT_SECRET"):
        _settings(environment="production", jwt_secret=SecretStr("changeme"), data_dir=tmp_path)


def test_production_refuses_sqlite_unless_allowed(tmp_path: Path) -> None:
    strong = SecretStr("s" * 48)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        _settings(environment="production", jwt_secret=strong, data_dir=tmp_path)
    allowed = _settings(
        environment="production",
        jwt_secret=strong,
        data_dir=tmp_path,
        allow_sqlite_in_production=True,
    )
    assert allowed.uses_sqlite


def test_development_generates_one_secret_and_keeps_it(tmp_path: Path) -> None:
    first = _settings(data_dir=tmp_path)
    second = _settings(data_dir=tmp_path)
    assert len(first.jwt_secret_value) >= 32
    assert first.jwt_secret_value == second.jwt_secret_value
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0


def test_public_view_masks_secrets_and_passwords(tmp_path: Path) -> None:
    settings = _settings(
        data_dir=tmp_path,
        jwt_secret=SecretStr("top-secret-value"),
        database_url="postgresql+asyncpg://nv:pw123@db:5432/nv",
    )
    view = settings.public_view()
    assert view["jwt_secret"] == "(set)"
    assert "pw123" not in str(view)
    assert "top-secret-value" not in str(view)


def test_environment_variables_use_the_nv_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NV_PORT", "9123")
    monkeypatch.setenv("NV_DATA_DIR", str(tmp_path))
    assert _settings().port == 9123
