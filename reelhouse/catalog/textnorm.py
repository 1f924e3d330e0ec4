"""Search text normalization, pure and database-free: the same tokens feed SQLite FTS5 and PostgreSQL full text,
so both databases return the same results for the same query."""

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 200  # anything longer is cut: nobody types more into a search box
MAX_TOKENS = 8
MAX_TOKEN_CHARS = 32
TYPO_MIN_CHARS = 5  # one typo is tolerated in words at least this long


@dataclass(frozen=True)
class TypoCaps:
    """How far the one-typo expansion of a query may go. A word of n letters has about 53n + 25 one-edit variants
    (every deletion, transposition, substitution and insertion), each one more term in one full-text query: 8 junk
    words of 32 letters would be over 10,000 terms. Titles people type are shorter words, a few at a time."""

    words: int = 3  # at most this many words of a query get variants (the first ones long enough)
    chars: int = 14  # a longer word must be typed right: no variants (a 14-letter word has about 760)
    variants: int = 1600  # all the words' variants together: the terms of the one-typo query


TYPO_CAPS = TypoCaps()
ALPHABET = "abcdefghijklmnopqrstuvwxyz"

# Letters NFKD does not decompose into a base letter + combining mark.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                          "\u0131": "i", "ŋ": "n", "ħ": "h"})
# German transliteration: "München" is also indexed as "muenchen".
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue"}
_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, special letters spelled out: 'Amélie à München' -> 'amelie a munchen'."""
    text = text.lower().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """The folded words of a text, letters and digits only (no operator of any search syntax survives)."""
    return _TOKEN.findall(fold(text))


def index_terms(text: str) -> str:
    """Tokens to index for a title: the folded words plus German transliterations of words with umlauts."""
    words = tokens(text)
    extra = []
    for raw in re.findall(r"\w+", text.lower()):
        if any(ch in raw for ch in _GERMAN):
            extra += tokens("".join(_GERMAN.get(ch, ch) for ch in raw))
    return " ".join(words + [w for w in extra if w not in words])


def normalized_title(text: str) -> str:
    return " ".join(tokens(text))[:300]


def query_tokens(query: str) -> list[str]:
    """Tokens of what a person typed: bounded in length and number, control characters and operators dropped."""
    words = tokens((query or "")[:MAX_QUERY_CHARS])
    return [w[:MAX_TOKEN_CHARS] for w in words[:MAX_TOKENS]]


def one_edit_variants(word: str) -> list[str]:
    """Every word one deletion, transposition, substitution or insertion away (letters only), the word first."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {word}
    out.update(a + b[1:] for a, b in splits if b)
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in ALPHABET)
    out.update(a + c + b for a, b in splits for c in ALPHABET)
    return [word, *sorted(out - {word})]
