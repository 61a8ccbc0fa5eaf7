from __future__ import annotations

import pytest

from newvisions.content.content_filter import blocked_terms, ensure_allowed, is_allowed
from newvisions.content.exceptions import ValueNotAllowed


@pytest.mark.parametrize(
    "text",
    ["fuck", "motherfucker", "sh1t", "F U C K", "dick pics", "whore", "puta", "hijo de puta",
     "Mierda", "gilipollas", "coño", "chingada", "maricón", "pornografía", "merde", "Arschloch",
     "vaffanculo", "caralho", "$lut"],
)  # fmt: skip
def test_offensive_terms_are_blocked(text: str) -> None:
    assert not is_allowed(text)
    with pytest.raises(ValueNotAllowed):
        ensure_allowed(text)


@pytest.mark.parametrize(
    "text",
    ["Dick", "Moby Dick", "Dick Tracy", "Fanny", "Willy", "Cumming", "Sex and the City",
     "Kill Bill", "Concha", "coger el autobús", "el as de corazones", "Analía", "payasos",
     "huevos", "Bicho", "el gato negro", "la jota de picas", "Scunthorpe", "Shitake mushrooms",
     "Cocktail", "Essex", "Matsushita", "Therapist"],
)  # fmt: skip
def test_ordinary_names_titles_and_words_pass(text: str) -> None:
    assert blocked_terms(text) == []
