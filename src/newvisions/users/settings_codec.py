"""Reads a stored settings document, in today's shape or the original product's legacy one.

Legacy documents used `language`, `sex`, `add_background_sound`, and `stability` /
`voice_similarity` as 0–1 floats. Imported accounts must keep working, so both shapes are
read; the current shape is what gets written back.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from newvisions.users.schemas import UserSettings

_LEGACY_RENAMES = {
    "language": "voice_language",
    "sex": "speaker_sex",
    "add_background_sound": "background_sound",
    "stability": "voice_stability",
}
_PERCENT_FIELDS = ("voice_stability", "voice_similarity", "background_volume")
_KNOWN_FIELDS = frozenset(UserSettings.model_fields)


def _as_percent(value: Any) -> Any:
    """0–1 floats (legacy) become 0–100 integers; 0–100 values pass through."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and 0.0 <= value <= 1.0:
        return round(value * 100)
    return round(value)


def read_settings(document: dict[str, Any] | None) -> UserSettings:
    """Settings from a stored document; unknown keys are ignored, bad values fall back."""
    normalised: dict[str, Any] = {}
    for key, value in (document or {}).items():
        name = _LEGACY_RENAMES.get(key, key)
        if name not in _KNOWN_FIELDS or (name in normalised and key != name):
            continue
        normalised[name] = value
    for name in _PERCENT_FIELDS:
        if name in normalised:
            normalised[name] = _as_percent(normalised[name])
    if isinstance(normalised.get("voice_language"), str):
        normalised["voice_language"] = normalised["voice_language"].lower()[:2]
    if isinstance(normalised.get("speaker_sex"), str):
        normalised["speaker_sex"] = normalised["speaker_sex"].lower()

    defaults = UserSettings()
    kept: dict[str, Any] = {}
    for name, value in normalised.items():
        try:
            UserSettings.model_validate({name: value})
        except ValidationError:
            continue  # one unreadable legacy value must not lock the performer out
        kept[name] = value
    return UserSettings.model_validate({**defaults.model_dump(), **kept})


def write_settings(settings: UserSettings) -> dict[str, Any]:
    return settings.model_dump(mode="json")
