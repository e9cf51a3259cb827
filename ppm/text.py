"""Text normalisation shared by every app's search: accents and case do not matter."""

import unicodedata

# Letters that NFKD does not decompose into a base letter and a combining mark.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"}
)


def search_normalise(text: str) -> str:
    """`text` lowercased (casefolded), without accents and with whitespace collapsed:
    "Dématérialisation  ŒUVRE" → "dematerialisation oeuvre". Store it in a search column and
    compare it with the normalised query, so the search behaves the same on every database."""
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("\x00", "").translate(_LIGATURES))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())
