from __future__ import annotations

from pydantic import BaseModel, Field

from newvisions.users.schemas import Language


class Note(BaseModel):
    """A note that passed every check, and who wrote it."""

    text: str = Field(description="The note, ready to be spoken.")
    spoken_value: str = Field(description="The value as the note says it, word for word.")
    provider: str = Field(description="Who wrote the text: `offline` or `gemini`.")


class SpectatorChoice(BaseModel):
    """What the spectator chose, in a routine: the input of a note (and of a perform)."""

    routine: str = Field(
        min_length=1,
        max_length=32,
        description="cards, numbers, star-signs, names, years, movies, phobias or custom.",
        examples=["cards"],
    )
    value: str = Field(
        min_length=1, max_length=200, description="What the spectator chose.", examples=["QH"]
    )


class ThoughtPreviewCreate(SpectatorChoice):
    language: Language | None = Field(
        default=None, description="Note language; defaults to the user's voice_language."
    )
