"""Words a caller may say instead of pressing keys: digit names, and matching what the
recogniser heard against a menu's words (case, accents and punctuation ignored)."""

from __future__ import annotations

import unicodedata

_DIGITS = {
    "es": ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
_ALSO = {"oh": "0", "un": "1", "una": "1"}


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "¡Sí, UNO!" → "si uno"."""
    bare = "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c)
    )
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def digit_words(language: str) -> tuple[str, ...]:
    """The ten digit names, zero first, in `language` (English for unknown languages)."""
    return _DIGITS.get(language, _DIGITS["en"])


def digits_from_speech(text: str, language: str) -> str | None:
    """ "tres cero cero 1" → "3001"; None when anything else was said."""
    names = {name: str(i) for i, name in enumerate(digit_words(language))} | _ALSO
    digits: list[str] = []
    for token in normalise(text).split():
        if token.isdigit():
            digits.append(token)
        elif token in names:
            digits.append(names[token])
        else:
            return None
    return "".join(digits) or None
