from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newvisions.config.settings import Settings
from newvisions.limits.accounting import billed_chars, period_bounds, period_start


def test_period_is_the_utc_calendar_month() -> None:
    assert period_start(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)) == date(2026, 11, 1)
    assert period_start(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == date(2026, 12, 1)
    # 1 December 01:00 in Madrid is still 30 November in UTC.
    madrid = timezone(timedelta(hours=1))
    assert period_start(datetime(2026, 12, 1, 0, 30, tzinfo=madrid)) == date(2026, 11, 1)


def test_period_bounds_roll_over_the_year() -> None:
    start, resets = period_bounds(date(2026, 12, 1))
    assert start == datetime(2026, 12, 1, tzinfo=UTC)
    assert resets == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_bounds(date(2027, 2, 1))[1] == datetime(2027, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("length", "factor", "billed"),
    [(0, 0.5, 0), (1, 0.5, 1), (101, 0.5, 51), (100, 1.0, 100), (110, 1.1, 121), (7, 0.3, 3)],
)
def test_billed_chars_round_up_the_product(length: int, factor: float, billed: int) -> None:
    assert billed_chars(length, factor) == billed
    assert billed_chars("x" * length, factor) == billed


def test_cost_factors_come_from_settings_with_overrides_merged() -> None:
    settings = Settings(
        tts_cost_factors={"offline": 0.25},
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.cost_factor("eleven_flash_v2_5") == 0.5
    assert settings.cost_factor("eleven_turbo_v2_5") == 0.5
    assert settings.cost_factor("eleven_multilingual_v2") == 1.0
    assert settings.cost_factor("eleven_v3") == 1.0
    assert settings.cost_factor("offline") == 0.25
    assert settings.cost_factor("some_new_model") == settings.tts_default_cost_factor == 1.0
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(tts_cost_factors={"offline": 0}, _env_file=None)  # type: ignore[call-arg]


def test_cost_factors_and_limit_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NV_TTS_COST_FACTORS", '{"eleven_flash_v2_5": 0.4}')
    monkeypatch.setenv("NV_MONTHLY_CHAR_LIMIT", "10000")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cost_factor("eleven_flash_v2_5") == 0.4
    assert settings.cost_factor("eleven_turbo_v2_5") == 0.5  # the rest of the table stays
    assert settings.monthly_char_limit == 10000
