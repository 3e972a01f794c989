"""Text normalisation shared by every stage: clean display text and matching keys.

`clean` makes a display string tidy (NFC, odd spaces removed). `key` makes a matching key that ignores case,
spacing, NFC/NFD and old/new tone placement (Hòa/Hoà). `fold` also drops every diacritic, for lenient
matching of closed vocabularies and header labels where no two choices differ only by accents.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Spaces that arrive from web pages, chat apps and Word: non-breaking, thin, ideographic, zero-width.
_ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\n\v\f"), " ")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r" {2,}")
# The five Vietnamese tone marks as combining characters, and the digit each becomes in a key.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_WORD = re.compile(r"\w+", re.UNICODE)


# The text caches hold 32,768 strings each: a school's names and choices many times over, and a 20,000-person
# roster whole (no CPU change at 1,000 files, measured). At 1 << 18 a 200,000-person roster (the benchmark's 10,000
# files) kept every name in each cache: 100 MiB more peak memory (840 against 738 MiB); that run's time moved
# within the noise of a loaded machine (87–110 s either way).
_TEXT_CACHE = 1 << 15


# What _clean_text changes besides NFC: a text without any of it, already NFC, is clean as it stands. Names and
# choices are, almost always: the one search and the NFC check take 0.7 µs where the full cleaning takes 3.6 µs
# (a 20,000-person roster's names cleaned 0.07 CPU-s faster; 2026-12-07, two shared cores).
_UNCLEAN = re.compile("[" + re.escape("".join(map(chr, {**_ODD_SPACES, **_ZERO_WIDTH})) + "\u00d0\u00f0") + "]|  ")


@lru_cache(maxsize=_TEXT_CACHE)
def _clean_text(text: str) -> str:
    if (
        _UNCLEAN.search(text) is None
        and not text[:1].isspace()
        and not text[-1:].isspace()
        and unicodedata.is_normalized("NFC", text)
    ):
        return text
    text = text.translate(_ZERO_WIDTH).translate(_ODD_SPACES)
    # Icelandic eth (U+00D0) is a common look-alike for Vietnamese Đ (U+0110) in legacy conversions.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def clean(value: object) -> str:
    """Return tidy display text: NFC, odd and zero-width spaces removed, spacing collapsed, Ð fixed."""
    if value is None:
        return ""
    return _clean_text(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=1 << 16)  # syllables repeat: a few thousand cover every name
def _tone_free_word(word: str) -> str:
    """Write a syllable's tone as a digit at its end, so old and new placement (hòa/hoà) give one key."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(_TONES[ch] for ch in decomposed if ch in _TONES)
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + tones


@lru_cache(maxsize=_TEXT_CACHE)
def _key_text(text: str) -> str:
    return " ".join([_tone_free_word(w) for w in _words(clean(text).lower())])


def _words(text: str) -> list[str]:
    """The runs of word characters of a clean text (`_WORD.findall`)."""
    plain = _plain_words(text)
    return plain if plain is not None else _WORD.findall(text)


def _plain_words(text: str) -> list[str] | None:
    """A clean text's words when it is only words between single spaces, else None. Most texts are, and `split`
    gives them in a third of the time of `_WORD`: a 20,000-person roster's names keyed 0.07 CPU-s faster, and
    tidied 0.03 faster (2026-12-07). `\\w` is exactly `str.isalnum` or "_" (checked over every code point), so
    pieces that are all alphanumeric are the words `_WORD` finds."""
    pieces = text.split(" ")
    return pieces if all(map(str.isalnum, pieces)) else None


def key(value: object) -> str:
    """Matching key: case, spacing, NFC/NFD and tone placement do not matter; letters and tones do."""
    return _key_text(value if isinstance(value, str) else clean(value))


def fold(value: object) -> str:
    """Accent-free lower-case key (đ → d), punctuation dropped: the most lenient comparison."""
    return _fold_text(value if isinstance(value, str) else clean(value))


@lru_cache(maxsize=_TEXT_CACHE)
def _fold_text(value: str) -> str:
    text = unicodedata.normalize("NFD", clean(value).lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text))


def team_key(value: object) -> str:
    """Matching key of a team's name: "Tổ 4–5", "to 4 - 5", "TỔ 4-5" and "4-5" give one key ("4 5")."""
    words = fold(value).split()
    if len(words) > 1 and words[0] == "to":
        words = words[1:]
    return " ".join(words)


# Family names that are always written with marks (Nguyễn, Trần, Lê, Đặng…), as they read without them; and the
# middle names Thị and Văn. An unmarked name holding one of them was typed without diacritics. Mai, Cao, Phan,
# Y, A… are names in their own right and are not listed.
_MARKED_SURNAMES = frozenset(
    {
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dinh",
        "trinh",
        "lam",
        "luong",
        "ha",
        "to",
        "doan",
        "vuong",
        "trieu",
        "ta",
        "chau",
        "tang",
        "lai",
        "quach",
        "dao",
        "dam",
        "thai",
        "truong",
        "la",
        "kieu",
        "diep",
        "mac",
        "lu",
        "ung",
        "tu",
    }
)
_MARKED_MIDDLE = frozenset({"thi", "van"})
_CLOSED = re.compile(r"(?:p|t|c|ch)\Z")  # an unmarked syllable cannot end so: only sắc or nặng may
# Vowels that need a hat or horn: uyê, iê, uô/ươ, yê, ưu; uâ (Xuân, Tuấn) except in qua (Quang, Quân).
_HATLESS = re.compile(r"uye|ie|uo|ye|uu|(?<!q)uan")


def looks_undiacritised(name: str) -> bool:
    """Whether a Vietnamese name looks typed without diacritics ("Nguyen Thi Huong"): no mark at all, and a word
    that is never written so (a closed syllable without a tone, ie/uo without a hat, or a family or middle name
    that always has marks). "Y Nhung" and "Mai Lan" are written so and are left alone."""
    if not name.isascii():
        return False
    words = fold(name).split()
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return False
    if words[0] in _MARKED_SURNAMES or any(w in _MARKED_MIDDLE for w in words[1:-1]):
        return True
    return any(_CLOSED.search(w) or _HATLESS.search(w) for w in words)


def ascii_slug(value: object) -> str:
    """ASCII file-name part from Vietnamese text: 'Nguyễn Văn A' → 'nguyen-van-a'."""
    return "-".join(fold(value).split()) or "x"


# --- tone placement ------------------------------------------------------------------------------------------
# Vowels as base letters after removing the tone (NFD without tone marks, recomposed).
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED = frozenset("ăâêôơư")  # a vowel with a hat, breve or horn takes the tone
_ENDINGS_OLD = ("oa", "oe", "uy")  # old style: hòa, hòe, thúy (tone on the first); new style: hoà, hoè, thuý


def _split_tone(word: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", word)
    tone = "".join(ch for ch in decomposed if ch in _TONES)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return base, tone


def _tone_index(base: str, style: str) -> int | None:
    """Index in `base` of the vowel carrying the tone, by the rules of Vietnamese orthography."""
    lower = base.lower()
    start = 0
    if lower.startswith("qu") or (lower.startswith("gi") and len(lower) > 2 and lower[2] in _VOWELS):
        start = 2  # the u of qu and the i of gi belong to the onset
    first = next((i for i in range(start, len(lower)) if lower[i] in _VOWELS), None)
    if first is None:
        return len(lower) - 1 if lower.startswith("gi") else None
    end = first
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    nucleus = lower[first:end]
    marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED]
    if marked:
        return first + marked[-1]  # ươ → ơ; uô → ô; iê → ê
    if len(nucleus) == 1:
        return first
    if len(nucleus) == 3:
        return first + 1
    closed = end < len(lower)  # a final consonant follows
    if closed or (style == "new" and nucleus in _ENDINGS_OLD):
        return first + 1
    return first


@lru_cache(maxsize=1 << 16)
def place_tone(word: str, style: str = "old") -> str:
    """Put a syllable's tone mark where the chosen style wants it ('old': hòa, thúy; 'new': hoà, thuý)."""
    base, tone = _split_tone(word)
    if len(tone) != 1 or not base.isalpha():
        return unicodedata.normalize("NFC", word)
    index = _tone_index(base, style)
    if index is None:
        return unicodedata.normalize("NFC", word)
    return unicodedata.normalize("NFC", base[: index + 1] + tone + base[index + 1 :])


def tidy(value: object, style: str = "old") -> str:
    """Display text repaired for storage: `clean`, then one tone-placement style for every syllable."""
    return _tidy_text(value if isinstance(value, str) else clean(value), style)


@lru_cache(maxsize=_TEXT_CACHE)
def _tidy_text(value: str, style: str) -> str:
    text = clean(value)
    if style not in ("old", "new") or text.isascii():
        return text
    words = _plain_words(text)
    if words is not None:
        tidied = " ".join([place_tone(word, style) for word in words])
        return text if tidied == text else tidied  # the text itself when unchanged: one copy of each name held
    return _WORD.sub(lambda m: place_tone(m.group(0), style), text)


# --- Vietnamese collation ------------------------------------------------------------------------------------
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}
_TONE_RANK = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # ngang huyền hỏi ngã sắc nặng


@lru_cache(maxsize=1 << 16)  # names are made of few distinct words
def _word_sort_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    base, tone = _split_tone(word.lower())
    letters = tuple(_ORDER.get(ch, 100 + ord(ch)) for ch in base)
    return letters, (_TONE_RANK.get(tone[:1], 0),)


@lru_cache(maxsize=1 << 16)  # every writer sorts the same roster
def name_sort_key(name: str) -> tuple[object, ...]:
    """Sort Vietnamese names the Vietnamese way: given name, then middle names, then family name;
    letters in the Vietnamese alphabet (a ă â … đ …), tones in dictionary order."""
    words = clean(name).split()
    if not words:
        return ()
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    return tuple(_word_sort_key(w) for w in ordered)
