"""Words as the index sees them: tokens, Snowball stems per language, diacritics
folded after stemming.

Stemming comes first because the stemmers know their language's letters (Romanian
suffixes such as `-ă`, `-ție`); folding afterwards makes `plătită` and `platita`
meet on `platit`, since Romanian is often typed without diacritics and both ş/ș and
ţ/ț are in use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

LANGUAGES = ("en", "ro", "it", "hu")
FALLBACK = "en"
_STEMMER_NAMES = {"en": "english", "ro": "romanian", "it": "italian", "hu": "hungarian"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Cedilla forms are the older spelling of the comma-below letters; the stemmer knows
# the comma-below ones.
_CEDILLA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})
MAX_WORD = 40

# Words too common to say what a question is about. Short lists on purpose: BM25's
# idf already weighs common words down; these only keep a question's "coverage"
# (the share of its words an article contains) honest.
_STOPWORDS_TEXT = {
    "en": (
        "a an and are as at be but by can do does did for from had has have how i if in into is it its me "
        "my no not of on or our so than that the their them then there these they this to was we were "
        "what when where which who why will with you your yours am been get got please would could should "
        "hello hi hey good morning afternoon evening question thanks thank "
    ),
    "ro": (
        "a ai al ale am ar are as au ca cu ce cum când cand care de din după dupa este e eu fi în in la "
        "le lor mă ma mi mea meu mele mei ne nu o ori pe pentru prin sa să se si și sunt te ți ti un una "
        "unei unui va vă voi vreau cine ce acest această aceasta acum aici bună buna ziua salut seara "
        "întrebare intrebare mulțumesc multumesc "
    ),
    "it": (
        "a ad al alla alle agli ai anche che chi ci come con da dal dalla dei del della delle di e è ed "
        "gli ha ho i il in io la le lo ma mi mia mio miei mie ne non o per più se si sono su un una uno "
        "vi voglio posso come cosa quando dove perché perche questo questa buongiorno buonasera salve ciao "
        "domanda grazie "
    ),
    "hu": (
        "a az és es egy hogy nem is van vagy de meg mi mit mikor hol hogyan miért miert már mar még meg "
        "nekem én en te ő ez azt ami aki kell lehet volt lesz az ha csak sem mint mert vagyok tudok "
        "szeretnék szeretnek szeretném szeretnem kérem kerem jó jo napot szia üdvözlöm udvozlom kérdés "
        "kerdes kérdésem kerdesem köszönöm koszonom "
    ),
}
STOPWORDS = {language: frozenset(text.split()) for language, text in _STOPWORDS_TEXT.items()}


@cache
def _stemmer(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


def fold(word: str) -> str:
    """Diacritics removed: `plătit` -> `platit`, `számla` -> `szamla`."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-case words of a text, cedillas normalised, overlong tokens dropped."""
    return [w for w in _WORD.findall(text.translate(_CEDILLA).lower()) if len(w) <= MAX_WORD]


def is_stopword(word: str, language: str) -> bool:
    stop = STOPWORDS[language]
    return word in stop or fold(word) in stop


def word_terms(text: str, language: str) -> list[tuple[str, ...]]:
    """The index terms of each word of a text (stopwords left out): the word stemmed,
    then folded. A word written with diacritics also gives the stem of its folded
    spelling, which is what the stemmer makes of the same word typed without them
    (Hungarian `számlámon` -> `szamla`, `szamlamon` -> `szaml`), so both spellings meet."""
    stem = _stemmer(language).stemWord
    found: list[tuple[str, ...]] = []
    for word in words(text):
        if is_stopword(word, language):
            continue
        first = fold(stem(word))
        plain = fold(word)
        second = stem(plain) if plain != word else first
        found.append((first,) if second == first else (first, second))
    return found


def terms(text: str, language: str) -> list[str]:
    """Every index term of a text, in order."""
    return [term for group in word_terms(text, language) for term in group]
