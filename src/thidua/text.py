"""Text normalisation shared by every stage: clean display text and matching keys.

`clean` makes a display string tidy (NFC, odd spaces removed). `key` makes a matching key that ignores case,
spacing, NFC/NFD and old/new tone placement (Hòa/Hoà). `fold` also drops every diacritic, for lenient
matching of closed vocabularies and header labels where no two choices differ only by accents.
"""

from __future__ import annotations

import re
import unicodedata

# Spaces that arrive from web pages, chat apps and Word: non-breaking, thin, ideographic, zero-width.
_ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\n\v\f"), " ")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r" {2,}")
# The five Vietnamese tone marks as combining characters, and the digit each becomes in a key.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_WORD = re.compile(r"\w+", re.UNICODE)


def clean(value: object) -> str:
    """Return tidy display text: NFC, odd and zero-width spaces removed, spacing collapsed, Ð fixed."""
    if value is None:
        return ""
    text = str(value).translate(_ZERO_WIDTH).translate(_ODD_SPACES)
    # Icelandic eth (U+00D0) is a common look-alike for Vietnamese Đ (U+0110) in legacy conversions.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def _tone_free_word(word: str) -> str:
    """Write a syllable's tone as a digit at its end, so old and new placement (hòa/hoà) give one key."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(_TONES[ch] for ch in decomposed if ch in _TONES)
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + tones


def key(value: object) -> str:
    """Matching key: case, spacing, NFC/NFD and tone placement do not matter; letters and tones do."""
    text = clean(value).lower()
    return " ".join(_tone_free_word(w) for w in _WORD.findall(text))


def fold(value: object) -> str:
    """Accent-free lower-case key (đ → d), punctuation dropped: the most lenient comparison."""
    text = unicodedata.normalize("NFD", clean(value).lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(text))


def ascii_slug(value: object) -> str:
    """ASCII file-name part from Vietnamese text: 'Nguyễn Văn A' → 'nguyen-van-a'."""
    return "-".join(fold(value).split()) or "x"
