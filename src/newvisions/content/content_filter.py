"""Content filter for input values and output notes: a small curated list per language.

Whole words after folding (case, accents, light leetspeak), a few stems for inflected forms,
and phrases. Deliberately short: names and titles such as "Dick", "Moby Dick", "Concha",
"Fanny" or "Sex and the City" must pass, and so must a word that is harmless in another
supported language (Spanish "negro", "pica"). docs/decisions/0002-content-filter-list.md says
why no published list is used. Every text is checked against every language's list, because a
value in one language can sit inside a note in another.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from newvisions.content.exceptions import ValueNotAllowed
from newvisions.content.routines import fold

_LEET: Final = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "!": "i"}
)

_SPELLED_OUT: Final = re.compile(r"\b\w(?: \w\b)+")


class _Terms(NamedTuple):
    words: frozenset[str]  # exact words
    stems: tuple[str, ...]  # matched as word prefixes
    phrases: tuple[str, ...]


_TERMS: Final[dict[str, _Terms]] = {
    "en": _Terms(
        frozenset({
            "shit", "shits", "shitty", "bullshit", "cunt", "cunts", "whore", "whores", "slut",
            "sluts", "rape", "raped", "rapist", "nigger", "niggers", "nigga", "faggot",
            "faggots", "fag", "retard", "twat", "wanker", "dildo", "cum", "jizz", "porn",
            "porno", "tits", "boobs", "bitch", "bitches",
        }),
        ("fuck", "motherfuck", "blowjob", "handjob", "pornograph", "cocksuck", "masturbat"),
        ("dick pic", "dick pics", "suck my", "jerk off"),
    ),
    "es": _Terms(
        frozenset({
            "puta", "putas", "puto", "putos", "mierda", "mierdas", "gilipollas", "gilipollez",
            "cono", "pendejo", "pendeja", "pendejos", "polla", "pollas", "verga", "vergas",
            "maricon", "maricones", "marica", "culero", "culera", "cabron", "cabrona",
            "cabrones", "zorra", "zorras", "mamada", "porno", "violar", "violacion",
            "violador", "follar", "follando", "follada", "tetas", "panocha", "chocho",
            "joder", "jodido", "jodida", "ojete", "mamon", "hijoputa",
        }),
        ("chingad", "chingar", "pornogra", "masturb", "putita", "puticlub"),
        ("hijo de puta", "hija de puta", "me cago en"),
    ),
    "fr": _Terms(
        frozenset({
            "merde", "pute", "putes", "salope", "salopes", "connard", "connasse", "encule",
            "enculer", "bite", "couille", "couilles", "nique", "niquer", "pd", "pede", "porno",
            "viol", "violer", "branler", "chatte", "batard", "negre",
        }),
        ("encul", "pornogra", "masturb"),
        ("fils de pute", "ta gueule", "nique ta"),
    ),
    "de": _Terms(
        frozenset({
            "scheisse", "scheiss", "fotze", "hure", "huren", "arschloch", "wichser", "wichsen",
            "schwuchtel", "nutte", "nutten", "ficken", "fick", "porno", "vergewaltigung",
            "titten", "schlampe", "neger", "hurensohn", "missgeburt",
        }),
        ("fick", "pornogra", "masturb", "vergewaltig"),
        ("leck mich",),
    ),
    "it": _Terms(
        frozenset({
            "cazzo", "cazzi", "merda", "puttana", "puttane", "troia", "troie", "stronzo",
            "stronza", "vaffanculo", "fanculo", "frocio", "froci", "figa", "fica", "porno",
            "stupro", "coglione", "coglioni", "minchia", "scopare", "pompino",
        }),
        ("pornogra", "masturb", "incul"),
        ("figlio di puttana",),
    ),
    "pt": _Terms(
        frozenset({
            "porra", "caralho", "merda", "puta", "putas", "foda", "foder", "fodase", "buceta",
            "cu", "viado", "bicha", "piroca", "punheta", "porno", "estupro",
            "cacete", "cuzao", "arrombado", "vagabunda", "xoxota", "boquete",
        }),
        ("pornogra", "masturb", "fodid"),
        ("filho da puta", "vai se foder", "foda se"),
    ),
}  # fmt: skip


def _normal_form(text: str) -> str:
    return " " + re.sub(r"[^0-9a-z]+", " ", fold(text.translate(_LEET))).strip() + " "


def blocked_terms(text: str) -> list[str]:
    """The listed terms found in `text`, from every language's list."""
    normal = _normal_form(text)
    # Letters spelled out one by one ("f u c k") are read as the word they spell.
    normal = _SPELLED_OUT.sub(lambda match: match.group().replace(" ", ""), normal)
    words = normal.split()
    found: list[str] = []
    for terms in _TERMS.values():
        found += [word for word in words if word in terms.words or word.startswith(terms.stems)]
        found += [p for p in terms.phrases if f" {_normal_form(p).strip()} " in normal]
    return found


def is_allowed(text: str) -> bool:
    return not blocked_terms(text)


def ensure_allowed(text: str) -> None:
    """Raise `ValueNotAllowed` (422 `value_not_allowed`) when `text` hits any list."""
    if blocked_terms(text):
        raise ValueNotAllowed()
