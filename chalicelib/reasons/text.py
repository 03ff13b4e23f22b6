"""What a customer wrote or said, as the features the reason classifier counts.

Words are stemmed with the language's Snowball stemmer first and their diacritics
folded afterwards: the stemmers know the suffixes with their diacritics
(`plătită` → `plătit`), and folding afterwards lets text typed without them
(`platita` → `platit`) meet the same feature. Romanian is often typed without
diacritics, and both ş/ș and ţ/ț are in use. Features are the stems, the pairs of
neighbouring stems (`nu`+`functioneaz` says more than either word) and the pieces of
the words as written.

Stemmers load on first use, one per language, and only that language's module.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import cache
from itertools import pairwise

# Enough for a long e-mail's gist; the rest of a huge text adds time, not evidence.
MAX_CHARS = 4000
MAX_WORDS = 250
CHARS = 4
PIECE_WEIGHT = 0.5
STEMMERS = {"en": "english", "ro": "romanian", "it": "italian", "hu": "hungarian"}

def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that say nothing about why someone contacts us (negations stay: "nu merge"),
# written folded, as they are compared after folding.
STOPWORDS = {
    "en": _listed("""a an the i i'm im me my mine you your we us our it its is are was were be been am do does did
        to of in on at for from with by and or but so this that these those there here what which who
        can could would will shall should may might please hi hello just some any about as if
        he she they them their his her have has had get got also very"""),
    "ro": _listed("""a al ale ai am ati ar as au e este era eu tu el ea noi voi ei ele ma mi imi m-am mea meu mele mei
        te ti va iti sa se si sau dar ca cu de din la in pe pentru prin un o unui unei niste
        acest aceasta acel acea care ce cine cum cand unde aici acolo ca mai foarte va rog buna ziua
        fi fost sunt esti suntem sunteti pot poti putem puteti vreau"""),
    "it": _listed("""il lo la i gli le un uno una di del dello della dei degli delle a al allo alla ai agli alle
        da dal dalla in nel nella con su sul sulla per tra fra e ed o ma che chi cui come dove quando
        io tu lui lei noi voi loro mi ti ci vi si mio mia miei mie suo sua e sono sei siamo siete
        ho hai ha abbiamo avete hanno questo questa quello quella per favore buongiorno"""),
    "hu": _listed("""a az egy es is de hogy ha mar meg nagyon en te o mi ti ok engem nekem nekik ez azt ezt
        az ami aki mely melyik vagy vagyok van vannak volt lesz kerem koszonom jo napot
        itt ott sem csak mint pedig tehat"""),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CEDILLA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})


@cache
def _stemmer(language: str):
    name = STEMMERS[language]
    module = importlib.import_module(f"snowballstemmer.{name}_stemmer")
    return getattr(module, f"{name.title()}Stemmer")()


def fold(word: str) -> str:
    """`plătit` → `platit`, `perché` → `perche`, `ő` → `o`."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of `text`, lower case, at most MAX_WORDS of them."""
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFC", text[:MAX_CHARS]).translate(_CEDILLA).lower()
    found = []
    for match in _WORD.finditer(text):
        found.append(match.group().replace("’", "'"))
        if len(found) >= MAX_WORDS:
            break
    return found


def stems(text: str, language: str) -> list[str]:
    """Stemmed, then folded: the unigram features of `text` in `language`."""
    stemmer = _stemmer(language)
    stop = STOPWORDS[language]
    out = []
    for word in words(text):
        # Elided articles (l'ordine, dell'ordine) stem as their noun.
        word = word.rsplit("'", 1)[-1]
        if word and fold(word) not in stop:
            out.append(fold(stemmer.stemWord(word)))
    return out


def features(text: str, language: str) -> dict[str, float]:
    """Stems, pairs of neighbouring stems, and (at half weight) the four-letter pieces
    of each word as written (folded, small words included), each with how often it
    occurs. The pieces let Hungarian compounds such as `profilbeallitas` meet `profil`,
    and keep what the stemmer and the stop words drop: endings and small words that
    tell a plan from a parcel (`csomagomat` → `<cso`, `mat>`) or mine from yours."""
    unigrams = stems(text, language)
    counts: dict[str, float] = {}
    for feature in unigrams + [f"{a} {b}" for a, b in pairwise(unigrams)]:
        counts[feature] = counts.get(feature, 0.0) + 1.0
    for word in words(text):
        word = fold(word.rsplit("'", 1)[-1])
        if not word:
            continue
        padded = f"<{word}>"
        for i in range(max(1, len(padded) - CHARS + 1)):
            piece = f"#{padded[i:i + CHARS]}"
            counts[piece] = counts.get(piece, 0.0) + PIECE_WEIGHT
    return counts
