"""Routines and their values: read what the performer typed, say it in the note's language.

`speak_value(routine, raw, language)` returns a `SpokenValue` whose `text` is what the note
must say word for word (the reveal check looks for it) and whose `np` is the same value in a
noun-phrase position (Spanish numbers take an article: "el treinta y siete").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal, cast

from num2words import num2words

from newvisions.content.exceptions import InvalidValue, UnknownRoutine
from newvisions.content.phrasebank.types import ValueKind
from newvisions.users.schemas import Language

# num2words locale per note language. Portuguese is spoken as in Brazil ("dezesseis").
_NUM2WORDS_LOCALE: Final[dict[Language, str]] = {
    "en": "en",
    "es": "es",
    "fr": "fr",
    "de": "de",
    "it": "it",
    "pt": "pt_BR",
}


class Routine(StrEnum):
    cards = "cards"
    numbers = "numbers"
    star_signs = "star-signs"
    names = "names"
    years = "years"
    movies = "movies"
    phobias = "phobias"
    custom = "custom"


def parse_routine(raw: str | Routine) -> Routine:
    try:
        return Routine(raw.strip().lower() if isinstance(raw, str) else raw)
    except ValueError:
        raise UnknownRoutine() from None


@dataclass(frozen=True, slots=True)
class SpokenValue:
    """A value as the note says it; it carries its routine and language."""

    routine: Routine
    language: Language
    kind: ValueKind
    text: str  # said word for word; what the reveal check looks for
    np: str  # the value in a noun-phrase slot; always contains `text`
    a_np: str  # English "a Scorpio"/"an Aries"; equals `np` elsewhere


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("œ", "oe").replace("æ", "ae")


# --------------------------------------------------------------------------- cards

Rank = Literal["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"]
Suit = Literal["C", "D", "H", "S"]
RANKS: Final[tuple[Rank, ...]] = ("A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K")
SUITS: Final[tuple[Suit, ...]] = ("C", "D", "H", "S")

_RANK_WORDS: Final[dict[str, Rank]] = {
    # English
    "a": "A", "ace": "A", "j": "J", "jack": "J", "knave": "J", "q": "Q", "queen": "Q",
    "k": "K", "king": "K", "t": "10", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "deuce": "2",
    # Spanish (the French-suited deck used in Spain and Latin America)
    "as": "A", "jota": "J", "sota": "J", "reina": "Q", "dama": "Q", "rey": "K",
    "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7",
    "ocho": "8", "nueve": "9", "diez": "10",
    # French, Italian, German, Portuguese face cards
    "roi": "K", "dame": "Q", "valet": "J", "asso": "A", "re": "K", "donna": "Q",
    "regina": "Q", "fante": "J", "ass": "A", "konig": "K", "bube": "J", "bauer": "J",
    "rei": "K", "valete": "J",
}  # fmt: skip
_SUIT_WORDS: Final[dict[str, Suit]] = {
    "c": "C", "club": "C", "clubs": "C", "d": "D", "diamond": "D", "diamonds": "D",
    "h": "H", "heart": "H", "hearts": "H", "s": "S", "spade": "S", "spades": "S",
    "trebol": "C", "treboles": "C", "diamante": "D", "diamantes": "D",
    "corazon": "H", "corazones": "H", "pica": "S", "picas": "S",
    "trefle": "C", "carreau": "D", "coeur": "H", "pique": "S",
    "fiori": "C", "quadri": "D", "cuori": "H", "picche": "S",
    "kreuz": "C", "karo": "D", "herz": "H", "pik": "S",
    "paus": "C", "ouros": "D", "copas": "H", "espadas": "S",
    "\u2663": "C", "\u2667": "C", "\u2666": "D", "\u2662": "D",
    "\u2665": "H", "\u2661": "H", "\u2660": "S", "\u2664": "S",
}  # fmt: skip
_SUIT_SYMBOLS: Final = "\u2660\u2661\u2662\u2663\u2664\u2665\u2666\u2667"
_LINKS: Final = frozenset({"of", "de", "di"})
_ARTICLES: Final = frozenset(
    {"the", "el", "la", "le", "l", "il", "lo", "o", "a", "das", "der", "die"}
)
_NOT_A_CARD: Final = (
    'Not a playing card. Try "A of Hearts", "AH", "A♥", "10D", "queen of clubs" or '
    '"reina de tréboles".'
)


def parse_card(raw: str) -> tuple[Rank, Suit]:
    """Read "A of Hearts", "AH", "A♥", "10D", "queen of clubs", "reina de tréboles", "Q♠"."""
    text = re.sub(rf"([{_SUIT_SYMBOLS}])", r" \1 ", fold(raw).strip())
    compact = re.fullmatch(r"\s*(10|[2-9akqjt1])\s*-?\s*([cdhs])\s*", text)
    if compact:
        rank_word, suit_word = compact.groups()
    else:
        tokens = [t for t in re.split(r"[\s\-_/,.']+", text) if t and t not in _LINKS]
        if len(tokens) == 3 and tokens[0] in _ARTICLES:  # "the ace hearts", "a dama paus"
            tokens = tokens[1:]
        if len(tokens) != 2:
            raise InvalidValue(_NOT_A_CARD)
        rank_word, suit_word = tokens
    if rank_word in _SUIT_WORDS and suit_word not in _SUIT_WORDS:  # German "Herz-Dame"
        rank_word, suit_word = suit_word, rank_word
    rank_word = "a" if rank_word == "1" else rank_word
    rank = _RANK_WORDS.get(rank_word)
    if rank is None and rank_word.upper() in RANKS:
        rank = cast("Rank", rank_word.upper())
    suit = _SUIT_WORDS.get(suit_word)
    if rank is None or suit is None:
        raise InvalidValue(_NOT_A_CARD)
    return rank, suit


_CARD_RANKS: Final[dict[Language, dict[Rank, str]]] = {
    "en": {
        "A": "the ace", "J": "the jack", "Q": "the queen", "K": "the king", "2": "the two",
        "3": "the three", "4": "the four", "5": "the five", "6": "the six", "7": "the seven",
        "8": "the eight", "9": "the nine", "10": "the ten",
    },
    "es": {
        "A": "el as", "J": "la jota", "Q": "la reina", "K": "el rey", "2": "el dos",
        "3": "el tres", "4": "el cuatro", "5": "el cinco", "6": "el seis", "7": "el siete",
        "8": "el ocho", "9": "el nueve", "10": "el diez",
    },
    "fr": {
        "A": "l'as", "J": "le valet", "Q": "la dame", "K": "le roi", "2": "le deux",
        "3": "le trois", "4": "le quatre", "5": "le cinq", "6": "le six", "7": "le sept",
        "8": "le huit", "9": "le neuf", "10": "le dix",
    },
    "it": {
        "A": "l'asso", "J": "il fante", "Q": "la donna", "K": "il re", "2": "il due",
        "3": "il tre", "4": "il quattro", "5": "il cinque", "6": "il sei", "7": "il sette",
        "8": "l'otto", "9": "il nove", "10": "il dieci",
    },
    "pt": {
        "A": "o ás", "J": "o valete", "Q": "a dama", "K": "o rei", "2": "o dois",
        "3": "o três", "4": "o quatro", "5": "o cinco", "6": "o seis", "7": "o sete",
        "8": "o oito", "9": "o nove", "10": "o dez",
    },
}  # fmt: skip
_CARD_SUITS: Final[dict[Language, dict[Suit, str]]] = {
    "en": {"C": "clubs", "D": "diamonds", "H": "hearts", "S": "spades"},
    "es": {"C": "tréboles", "D": "diamantes", "H": "corazones", "S": "picas"},
    "fr": {"C": "trèfle", "D": "carreau", "H": "cœur", "S": "pique"},
    "it": {"C": "fiori", "D": "quadri", "H": "cuori", "S": "picche"},
    "pt": {"C": "paus", "D": "ouros", "H": "copas", "S": "espadas"},
    "de": {"C": "Kreuz", "D": "Karo", "H": "Herz", "S": "Pik"},
}
_CARD_LINK: Final[dict[Language, str]] = {
    "en": "of",
    "es": "de",
    "fr": "de",
    "it": "di",
    "pt": "de",
}
# German says the suit first, as one compound: "die Herz-Dame", "das Pik-Ass".
_CARD_DE_RANKS: Final[dict[Rank, tuple[str, str]]] = {
    "A": ("das", "Ass"), "J": ("der", "Bube"), "Q": ("die", "Dame"), "K": ("der", "König"),
    "2": ("die", "Zwei"), "3": ("die", "Drei"), "4": ("die", "Vier"), "5": ("die", "Fünf"),
    "6": ("die", "Sechs"), "7": ("die", "Sieben"), "8": ("die", "Acht"), "9": ("die", "Neun"),
    "10": ("die", "Zehn"),
}  # fmt: skip


def speak_card(rank: Rank, suit: Suit, language: Language) -> tuple[str, str]:
    """(text, np) for a card; the text carries the article where the language needs it."""
    if language == "de":
        article, noun = _CARD_DE_RANKS[rank]
        compound = f"{_CARD_SUITS['de'][suit]}-{noun}"
        return compound, f"{article} {compound}"
    text = f"{_CARD_RANKS[language][rank]} {_CARD_LINK[language]} {_CARD_SUITS[language][suit]}"
    return text, text


def all_cards() -> list[str]:
    """The 52 cards in compact form ("AC" … "KS")."""
    return [f"{rank}{suit}" for suit in SUITS for rank in RANKS]


# --------------------------------------------------------------------------- numbers

_DOUBLE_ZERO: Final[dict[Language, str]] = {
    "en": "double zero",
    "es": "doble cero",
    "fr": "double zéro",
    "de": "Doppelnull",
    "it": "doppio zero",
    "pt": "duplo zero",
}


def parse_number(raw: str) -> str:
    """Accept "0"–"99" and "00"–"09"; a leading zero is kept because the performer typed it."""
    text = raw.strip()
    if not re.fullmatch(r"\d{1,2}", text):
        raise InvalidValue('Not a number from 00 to 99. Type it with digits, e.g. "37" or "07".')
    return text


def number_words(value: int, language: Language) -> str:
    return str(num2words(value, lang=_NUM2WORDS_LOCALE[language])).replace(",", "")


def speak_number(digits: str, language: Language) -> tuple[str, str]:
    """(text, np). "37" → "thirty-seven"; "07" → "zero seven"; "00" → "double zero".

    A typed leading zero is read digit by digit, the way people read "07" off a ticket or a
    jersey; "7" is simply "seven".
    """
    if digits == "00":
        text = _DOUBLE_ZERO[language]
    elif len(digits) == 2 and digits[0] == "0":
        text = f"{number_words(0, language)} {number_words(int(digits[1]), language)}"
        if language == "de":
            text = text.title()  # German capitalises numbers used as nouns: "Null Sieben"
    else:
        text = number_words(int(digits), language)
    return text, _number_np(text, language)


def _number_np(text: str, language: Language) -> str:
    match language:
        case "es":
            return f"el {text}"
        case "fr":
            return f"le {text}"  # no elision before numbers: "le huit", "le onze"
        case "it":
            return f"l'{text}" if text[0] in "aeiou" else f"il {text}"
        case "pt":
            return f"o {text}"
        case "de":
            return f"die {text[0].upper()}{text[1:]}"
        case _:
            return text


# --------------------------------------------------------------------------- star signs

_SIGN_NAMES: Final[dict[Language, tuple[str, ...]]] = {
    "en": ("Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio",
           "Sagittarius", "Capricorn", "Aquarius", "Pisces"),
    "es": ("Aries", "Tauro", "Géminis", "Cáncer", "Leo", "Virgo", "Libra", "Escorpio",
           "Sagitario", "Capricornio", "Acuario", "Piscis"),
    "fr": ("Bélier", "Taureau", "Gémeaux", "Cancer", "Lion", "Vierge", "Balance", "Scorpion",
           "Sagittaire", "Capricorne", "Verseau", "Poissons"),
    "de": ("Widder", "Stier", "Zwillinge", "Krebs", "Löwe", "Jungfrau", "Waage", "Skorpion",
           "Schütze", "Steinbock", "Wassermann", "Fische"),
    "it": ("Ariete", "Toro", "Gemelli", "Cancro", "Leone", "Vergine", "Bilancia", "Scorpione",
           "Sagittario", "Capricorno", "Acquario", "Pesci"),
    "pt": ("Áries", "Touro", "Gêmeos", "Câncer", "Leão", "Virgem", "Libra", "Escorpião",
           "Sagitário", "Capricórnio", "Aquário", "Peixes"),
}  # fmt: skip
SIGNS: Final[tuple[str, ...]] = _SIGN_NAMES["en"]
_SIGN_ALIASES: Final[dict[str, int]] = {
    fold(name): index for names in _SIGN_NAMES.values() for index, name in enumerate(names)
} | {"escorpion": 7, "scorpius": 7, "capricornus": 9}


def parse_sign(raw: str) -> int:
    """Index 0–11 (Aries first) from a sign's name in any supported language."""
    index = _SIGN_ALIASES.get(fold(raw).strip())
    if index is None:
        raise InvalidValue('Not a star sign. Type its name, e.g. "Scorpio" or "Escorpio".')
    return index


# --------------------------------------------------------------------------- years

YEAR_MIN: Final = 100
YEAR_MAX: Final = 2199


def speak_year(year: int, language: Language) -> str:
    if language in ("en", "de"):
        return str(num2words(year, lang=_NUM2WORDS_LOCALE[language], to="year"))
    # The other languages say years as plain cardinals ("mil novecientos ochenta y siete");
    # num2words' pt_BR inserts a stray comma ("mil, novecentos …").
    return str(num2words(year, lang=_NUM2WORDS_LOCALE[language])).replace(",", "")


# --------------------------------------------------------------------------- free text

FREE_TEXT_MAX_CHARS: Final = 60
_MARKUP: Final = re.compile(r"[<>{}\[\]`\\|*_#~]|https?:|www\.", re.IGNORECASE)
_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs"})


def clean_free_text(raw: str) -> str:
    """Trim and collapse spaces; 1–60 characters, no control characters, no markup."""
    text = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(ch) in _CONTROL_CATEGORIES and not ch.isspace() for ch in text):
        raise InvalidValue("The value contains control characters.")
    text = re.sub(r"\s+", " ", text).strip().strip("\"'“”«»").strip()
    if not 1 <= len(text) <= FREE_TEXT_MAX_CHARS:
        raise InvalidValue(f"The value must be 1 to {FREE_TEXT_MAX_CHARS} characters long.")
    if _MARKUP.search(text):
        raise InvalidValue("The value may not contain markup, links or symbols like < > { } *.")
    if not any(ch.isalnum() for ch in text):
        raise InvalidValue("The value needs at least one letter or digit.")
    return text


def _indefinite(word: str) -> str:
    return f"an {word}" if fold(word)[:1] in "aeiou" else f"a {word}"


def speak_value(routine: Routine, raw: str, language: Language) -> SpokenValue:
    """Parse `raw` for `routine` and say it in `language`. Raises `InvalidValue`."""
    kind: ValueKind
    match routine:
        case Routine.cards:
            text, np = speak_card(*parse_card(raw), language)
            kind = ValueKind.CARD
        case Routine.numbers:
            text, np = speak_number(parse_number(raw), language)
            kind = ValueKind.NUMBER
        case Routine.star_signs:
            text = np = _SIGN_NAMES[language][parse_sign(raw)]
            kind = ValueKind.SIGN
        case Routine.years if re.fullmatch(r"\s*\d{1,4}\s*", raw):
            year = int(raw)
            if not YEAR_MIN <= year <= YEAR_MAX:
                raise InvalidValue(f"A year between {YEAR_MIN} and {YEAR_MAX}, please.")
            text = np = speak_year(year, language)
            kind = ValueKind.YEAR
        case Routine.names:
            text = np = clean_free_text(raw)
            kind = ValueKind.NAME
        case Routine.movies:
            text = np = clean_free_text(raw)
            kind = ValueKind.TITLE
        case _:  # phobias, custom, and years said in words ("the year we met")
            text = np = clean_free_text(raw)
            kind = ValueKind.THING
    a_np = _indefinite(np) if language == "en" and kind is ValueKind.SIGN else np
    return SpokenValue(routine=routine, language=language, kind=kind, text=text, np=np, a_np=a_np)
