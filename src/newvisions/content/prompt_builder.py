"""The prompt a language model gets: the note's rules, examples in the note's language, the value.

The examples come from the offline composer for other values of the same language, so every
language the phrase banks cover gets examples that already pass the reveal check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from newvisions.content.composer import compose
from newvisions.content.phrasebank import category_words
from newvisions.content.providers.base import ThoughtRequest
from newvisions.content.routines import Routine, SpokenValue, speak_value

LANGUAGE_NAMES: Final = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Brazilian Portuguese",
}
# The line the value sits on; the Gemini emulator reads it back, so keep the two in step.
VALUE_LINE_PREFIX: Final = "Value to say, exactly once and word for word: "
LANGUAGE_LINE_PREFIX: Final = "Language code: "
_EXAMPLE_VALUES: Final = ((Routine.cards, "QS"), (Routine.numbers, "42"), (Routine.names, "Lucas"))

SYSTEM_INSTRUCTION: Final = """\
You write the text of a short voice memo that a person records on their phone right after \
waking up. It is casual, first person, spoken, one or two sentences: a strange dream or a \
thought they cannot shake.
Rules, all of them strict:
- Write in the language you are given, as a native speaker would say it out loud.
- Say the given value exactly once, word for word, exactly as given (same words, spelled out; \
never as digits or symbols).
- Never say what kind of thing the value is. Forbidden words: {forbidden}.
- Between {min_chars} and {max_chars} characters.
- Plain text only: no quotes around the whole memo, no emoji, no markdown, no hashtags, no \
line breaks, no digits.
- Answer with the memo text and nothing else."""


@dataclass(frozen=True, slots=True)
class Prompt:
    system: str
    user: str


def _examples(request: ThoughtRequest) -> list[str]:
    language = request.value.language
    examples: list[str] = []
    for routine, raw in _EXAMPLE_VALUES:
        if routine is request.value.routine:
            continue
        example: SpokenValue = speak_value(routine, raw, language)
        examples.append(compose(example, request.rng, target=request.target_chars))
    return examples


def build_prompt(request: ThoughtRequest) -> Prompt:
    value = request.value
    forbidden = ", ".join(sorted(category_words(value.language)))
    system = SYSTEM_INSTRUCTION.format(
        forbidden=forbidden, min_chars=request.target_chars[0], max_chars=request.target_chars[1]
    )
    lines = [
        f"Language: {LANGUAGE_NAMES[value.language]}",
        f"{LANGUAGE_LINE_PREFIX}{value.language}",
        f'{VALUE_LINE_PREFIX}"{value.text}"',
        "Examples of the style (for other values):",
        *(f"- {example}" for example in _examples(request)),
    ]
    if request.previous_note:
        lines.append(f"Do not reuse this earlier memo: {request.previous_note}")
    if request.attempt > 1:
        lines.append("Your previous answer broke a rule. Follow every rule exactly this time.")
    return Prompt(system=system, user="\n".join(lines))
