"""Legacy Vietnamese font encodings (TCVN3, VNI-Windows) to Unicode: the "repair text" step right after reading.

Cells typed with 8-bit Vietnamese fonts reach us as mojibake: each legacy byte arrives as the cp1252 (or latin-1)
character with that value, so "Trường" shows as "Tr­êng" (TCVN3, font .VnTime) or "Tröôøng" (VNI, font VNI-Times).
`repair` converts a cell when its font names a legacy encoding, else only when `detect` is confident. Run it before
`text.clean`, which drops U+00AD (TCVN3's "ư") and rewrites U+00D0 (TCVN3's "é").

Sources of the tables:
- TCVN3 is table VN3 of TCVN 5712:1993 (VSCII-3): ASCII plus 67 lower-case letters, the seven capitals Ă Â Ê Ô Ơ Ư Đ
  and NBSP, no C1 codes (https://en.wikipedia.org/wiki/VSCII). Toned capitals come from the companion "H" fonts
  (.VnTimeH), which draw the lower-case codes as capitals. Byte values cross-checked with the TCVN3 column of
  "Bảng đối chiếu encoding các bộ chữ hiện hành với Unicode" (https://www.scribd.com/document/23311958/Bang-Ma-Unicode)
  and the TCVN 5712 (VN1) mapping of GNU libiconv, whose lower-case half is VN3.
- VNI-Windows: the VNI column of the same comparison table and the VNI article (https://en.wikipedia.org/wiki/VNI):
  a base letter followed by one mark byte; ơ ư đ, the toned i's and ỵ are single bytes.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

TCVN3 = "TCVN3"
VNI = "VNI"

# Every table lists tones in this order: none, huyền, sắc, hỏi, ngã, nặng.
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_SAC, _NANG = 2, 5

# --- TCVN3 (TCVN 5712:1993, VN3) ----------------------------------------------------------------------------
# Byte of each lower-case vowel with tone:  none  huyền  sắc  hỏi   ngã   nặng
_TCVN3_VOWELS: dict[str, tuple[int, ...]] = {
    "a": (0x61, 0xB5, 0xB8, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBB, 0xBE, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xC7, 0xCA, 0xC8, 0xC9, 0xCB),
    "e": (0x65, 0xCC, 0xD0, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD2, 0xD5, 0xD3, 0xD4, 0xD6),
    "i": (0x69, 0xD7, 0xDD, 0xD8, 0xDC, 0xDE),
    "o": (0x6F, 0xDF, 0xE3, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE5, 0xE8, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xEA, 0xED, 0xEB, 0xEC, 0xEE),
    "u": (0x75, 0xEF, 0xF3, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF5, 0xF8, 0xF6, 0xF7, 0xF9),
    "y": (0x79, 0xFA, 0xFD, 0xFB, 0xFC, 0xFE),
}
# The no-break space, the only capitals VN3 has (untoned), and đ.
_TCVN3_OTHERS = {0xA0: "\u00a0", 0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ", 0xAE: "đ"}

# --- VNI-Windows --------------------------------------------------------------------------------------------
# Mark bytes after a base letter (lower case; capitals use the upper-case glyphs Ø Ù Û Õ Ï, Â À Á Å Ã Ä, ...).
_VNI_TONE = "øùûõï"  # huyền sắc hỏi ngã nặng, after a e o u y and after ơ ư (themselves single bytes)
_VNI_HAT = "âàáåãä"  # circumflex with tone none..nặng, after a e o
_VNI_BREVE = "êèéúüë"  # breve with tone none..nặng, after a
_VNI_TONED_BASES = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "ơ", "ö": "ư"}
_VNI_HATTED = {"a": "â", "e": "ê", "o": "ô"}
# Single bytes: ơ ư đ; i with tone huyền sắc hỏi ngã nặng; ỵ (y + nặng is not a pair).
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _toned(letter: str, tone: int) -> str:
    return unicodedata.normalize("NFC", letter + _TONE_MARKS[tone])


def _build_tcvn3() -> dict[str, str]:
    table = {
        chr(code): _toned(letter, tone) for letter, codes in _TCVN3_VOWELS.items() for tone, code in enumerate(codes)
    }
    table.update({chr(code): letter for code, letter in _TCVN3_OTHERS.items()})
    return {legacy: letter for legacy, letter in table.items() if not legacy.isascii()}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(legacy: str, letter: str) -> None:
        table[legacy] = letter
        table[legacy.upper()] = letter.upper()  # capitals take the upper-case mark glyphs

    for legacy, letter in _VNI_SINGLE.items():
        add(legacy, letter)
    for base, letter in _VNI_TONED_BASES.items():
        for tone, mark in enumerate(_VNI_TONE, start=1):
            if not (base == "y" and tone == _NANG):
                add(base + mark, _toned(letter, tone))
    for base, hatted in _VNI_HATTED.items():
        for tone, mark in enumerate(_VNI_HAT):
            add(base + mark, _toned(hatted, tone))
    for tone, mark in enumerate(_VNI_BREVE):
        add("a" + mark, _toned("ă", tone))
    return table


_TABLES = {TCVN3: _build_tcvn3(), VNI: _build_vni()}
# cp1252 shows bytes 0x80-0x9F as € ‚ ƒ ...; map them back so both interpretations look alike (latin-1 "view").
_AS_LATIN1 = {
    ord(bytes([b]).decode("cp1252")): chr(b) for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_BEYOND_LEGACY = re.compile("[^\x00-\xff" + re.escape("".join(map(chr, _AS_LATIN1))) + "]")
# Legacy bytes that stand for letters or marks, per encoding.
_LEGACY_LETTERS = {
    enc: {ch for key in table for ch in key if not ch.isascii()} - {"\u00a0"} for enc, table in _TABLES.items()
}
# A word: ASCII letters, latin-1 letters and the encoding's legacy letters (TCVN3 uses symbols such as µ ¸ ¨ §).
_LATIN1_LETTERS = "".join(chr(b) for b in range(0xA0, 0x100) if chr(b).isalpha())
_WORD = {
    enc: re.compile("[A-Za-z" + re.escape("".join(sorted(set(_LATIN1_LETTERS) | chars))) + "]+")
    for enc, chars in _LEGACY_LETTERS.items()
}


def _convert(view: str, original: str, encoding: str) -> tuple[str, int]:
    """Decode the latin-1 view of a text, keeping unknown characters as they were in the original.

    Also counts the non-ASCII characters the encoding cannot explain (a byte it leaves unassigned, a VNI mark with
    no base letter before it): evidence that the text is not in that encoding.
    """
    table = _TABLES[encoding]
    out: list[str] = []
    unexplained = i = 0
    while i < len(view):
        pair = view[i : i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        if view[i] in table:
            out.append(table[view[i]])
        else:
            out.append(original[i])
            unexplained += view[i] in _LATIN1_LETTERS or view[i] in _LEGACY_LETTERS[encoding]
        i += 1
    return "".join(out), unexplained


def _is_legacy_repertoire(text: str) -> bool:
    """True if every character could be a legacy byte seen as cp1252 or latin-1 (so no ư, ơ, ạ, emoji, ...).
    One search of a character class: every Unicode name of a roster is asked (20,000 at the benchmark's scale),
    and the per-character test took 0.10 CPU-s of the batch's main process there."""
    return _BEYOND_LEGACY.search(text) is None


def encoding_of_font(font_name: str | None) -> tuple[str, bool] | None:
    """Legacy encoding named by a font, and whether the font draws capitals: ".VnTimeH" → ("TCVN3", True)."""
    name = (font_name or "").strip().lower()
    if name.startswith(".vn"):
        return TCVN3, name.endswith("h")  # .VnTimeH, .VnArialH, .VnArial NarrowH: the all-capital companions
    if name.startswith(("vni-", "vni ")):
        return VNI, False
    return None


def to_unicode(text: str, encoding: str, capitals: bool = False) -> str:
    """Convert legacy mojibake to NFC Unicode; `capitals` for text drawn by a TCVN3 "H" font.

    Characters the encoding does not define (digits, punctuation, real Unicode letters) are kept as they are.
    """
    if encoding not in _TABLES:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    text = unicodedata.normalize("NFC", text)
    result, _ = _convert(text.translate(_AS_LATIN1), text, encoding)
    return unicodedata.normalize("NFC", result.upper() if capitals else result)


# --- Vietnamese syllables -----------------------------------------------------------------------------------
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "ph", "th", "tr", "ch", "nh", "qu", *"bcdđghklmnprstvx", "")
# Rhymes (vần) without tone: nucleus with optional medial o/u and final; ăk is for Đắk Lắk.
_RHYME_TABLE = """
    a ac ach ai am an ang anh ao ap at au ay   ăc ăk ăm ăn ăng ăp ăt   âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et   ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu   y ych ynh yt yêm yên yêng yêt yêu
    o oc oi om on ong op ot ooc oong   ô ôc ôi ôm ôn ông ôp ôt   ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oem oen oeo oet
    uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt uynh uyt uyu
"""
_RHYMES = frozenset(_RHYME_TABLE.split())
_VOWELS = frozenset("aăâeêioôơuưy")
_TONE_OF = {mark: tone for tone, mark in enumerate(_TONE_MARKS) if mark}
_STOPS = ("c", "ch", "p", "t", "k")  # a syllable ending in a stop takes only sắc or nặng


def _onset_fits(onset: str, rhyme: str) -> bool:
    """Spelling rules: k/gh/ngh before front vowels, c/g/ng elsewhere, no u or o right after qu."""
    first = rhyme[0]
    if onset == "k":
        return first in "eêiy"
    if onset in ("gh", "ngh"):
        return first in "eêi"
    if onset in ("c", "ng"):
        return first not in "eêiy"
    if onset == "g":
        return first not in "eêy"  # g + i is "gì"
    if onset == "qu":
        return first not in "uưo"
    if onset == "gi":
        return first not in "iy"
    return True


def _tone_places(rhyme: str) -> set[int]:
    """Where a rhyme carries its tone: on the marked vowel (ơ of ươ), else the middle of three vowels, the second of
    two before a final consonant, the first of two at the end (mùa, ái); oa, oe, uy take old or new style."""
    vowels = [i for i, ch in enumerate(rhyme) if ch in _VOWELS]
    marked = [i for i in vowels if rhyme[i] in "ăâêôơư"]
    if rhyme in ("oa", "oe", "uy"):
        return {0, 1}  # hòa/hoà, hòe/hoè, thúy/thuý
    if marked:
        return {marked[-1]}
    if len(vowels) == 1 or (len(vowels) == 2 and vowels[-1] == len(rhyme) - 1):
        return {vowels[0]}
    return {vowels[1]}


@lru_cache(maxsize=1 << 16)  # syllables repeat from cell to cell
def _is_syllable(word: str, strict: bool = True) -> bool:
    """True if `word` (any case, NFC or NFD) is one Vietnamese syllable with its tone in place; `strict` also
    checks spelling conventions (k/c, gh/g, ngh/ng) and that stop finals take only sắc or nặng."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("ð", "đ"))
    tone, place, letters = 0, -1, list[str]()
    for ch in decomposed:
        if ch in _TONE_OF:
            if tone or not letters:
                return False
            tone, place = _TONE_OF[ch], len(letters) - 1
        elif not unicodedata.combining(ch):
            letters.append(ch)
        else:
            letters[-1:] = [unicodedata.normalize("NFC", letters[-1] + ch)] if letters else [ch]
    base = "".join(letters)
    if strict and base.endswith(_STOPS) and tone not in (0, _SAC, _NANG):
        return False
    return any(
        base.startswith(onset)
        and (rhyme := base[len(onset) :]) in _RHYMES
        and (not strict or _onset_fits(onset, rhyme))
        and (not tone or place - len(onset) in _tone_places(rhyme))
        for onset in _ONSETS
    )


# --- Detection ----------------------------------------------------------------------------------------------
# Evidence needed: characters in the distinct words that conversion turns into Vietnamese, striking ones twice ...
_MIN_EVIDENCE = 8
# ... or in a single such word ("Tr­êng", "Nguyeãn"), fewer if striking ("Khaù", "Kh¸"): a symbol inside a word
# says more than a VNI mark pair.
_MIN_WORD_EVIDENCE = 6
_STRIKING_BONUS = {TCVN3: 3, VNI: 2}


# Vowel + VNI mark pairs that French, Spanish, Portuguese or Catalan spell too (où, Loïc, aún, Chloé): no sign.
_EUROPEAN_PAIRS = frozenset(["où", "oû", "oï", "aï", "uï", "aî", "oî", "aë", "oë", "uë", "aé", "oé", "ué", "eé"])
_EUROPEAN_PAIRS |= {"oè", "uè", "uà", "eô", "aú", "eú", "uá", "uó"}
_VNI_MARKS = frozenset(_VNI_TONE + _VNI_HAT + _VNI_BREVE + (_VNI_TONE + _VNI_HAT + _VNI_BREVE).upper())
# TCVN3 bytes that show as symbols, not letters (µ and ª count: no word is spelt with them).
_TCVN3_SYMBOLS = frozenset("µª").union(ch for ch in _LEGACY_LETTERS[TCVN3] if unicodedata.category(ch)[0] != "L")


def _striking(word: str, encoding: str) -> bool:
    """True for legacy spellings no other text produces: "Kh¸", "ThÞ", "NguyÔn" (TCVN3); "Leâ", "Lôùp" (VNI)."""
    pairs = list(itertools.pairwise(word))
    if encoding == TCVN3:
        symbol_inside = len(word) > 1 and any(ch in _TCVN3_SYMBOLS for ch in word)
        return symbol_inside or any(a.islower() and b.isupper() and not b.isascii() for a, b in pairs)
    return any(
        (not a.isascii() and not b.isascii())
        or (a.lower() in "aeouy" and b in _VNI_MARKS and (a + b).lower() not in _EUROPEAN_PAIRS)
        for a, b in pairs
    )


def _consistent_case(word: str) -> bool:
    return word.islower() or word.isupper() or word.istitle()


def _weigh(view: str, encoding: str) -> tuple[list[str], int, int, int]:
    """Weigh the words of a latin-1 view: (words gained, number lost, number counted, number valid when converted).

    A word *gains* when it is not Vietnamese as it stands (not even misspelt; or cased like "ThÞ") but is a
    well-formed syllable in consistent case after conversion; it is *lost* when conversion leaves it no syllable
    while changing it or leaving a byte unexplained. Initials and acronyms (THCS) are not counted.
    """
    gained: list[str] = []
    lost = counted = valid = 0
    for word in _WORD[encoding].findall(view):
        converted, unexplained = _convert(word, word, encoding)
        ok = _is_syllable(converted) and not unexplained
        if converted != word or unexplained:
            if not ok:
                lost += 1
            elif _consistent_case(converted) and not (_consistent_case(word) and _is_syllable(word, strict=False)):
                gained.append(word)
        if len(converted) > 1 and not (word.isascii() and word.isupper()):
            counted += 1
            valid += ok
    return gained, lost, counted, valid


def _confidence(encoding: str, gained: list[str], lost: int, counted: int, valid: int) -> int:
    """Number of words gained if they make a convincing case for `encoding`, else 0."""
    weights = {word.lower(): len(word) * (2 if _striking(word, encoding) else 1) for word in gained}
    bonus = _STRIKING_BONUS[encoding]
    longest = max((len(word) + (bonus if _striking(word, encoding) else 0) for word in gained), default=0)
    # Short gains ("où", "Loïc") happen in French; real legacy text soon piles up more.
    thin = sum(weights.values()) < _MIN_EVIDENCE and longest < _MIN_WORD_EVIDENCE
    if thin or len(gained) * 4 < counted or lost * 4 > len(gained) or valid < 0.6 * counted:
        return 0
    return len(gained)


def detect(text: str) -> str | None:
    """TCVN3 or VNI when `text` is confidently legacy mojibake, else None.

    Evidence: the text holds only characters a legacy byte can become; words that are not Vietnamese as they stand
    become well-formed syllables when converted (a quarter of the words at least, eight characters' worth or one
    word of six); conversion breaks almost no word and leaves most words valid. A word that would gain under both
    encodings ("Nhuû": TCVN3 Nhuỷ, VNI Nhủ) counts for neither. Unicode Vietnamese is Vietnamese as it stands, so
    it never gains. When both encodings qualify, the one with more gains wins; a tie gives None.
    """
    text = unicodedata.normalize("NFC", text)
    if text.isascii() or not _is_legacy_repertoire(text):
        return None
    view = text.translate(_AS_LATIN1)
    weighed = {encoding: _weigh(view, encoding) for encoding in _TABLES}
    shared = {w.lower() for w in weighed[TCVN3][0]} & {w.lower() for w in weighed[VNI][0]}
    scores = {}
    for encoding, (gained, lost, counted, valid) in weighed.items():
        if score := _confidence(encoding, [w for w in gained if w.lower() not in shared], lost, counted, valid):
            scores[encoding] = score
    if not scores:
        return None
    best = max(scores.values())
    winners = [encoding for encoding, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def _reads_as_unicode(view: str, encoding: str) -> bool:
    """True if converting would break more words (or meet more bytes it cannot explain) than it fixes."""
    broken = fixed = 0
    for word in _WORD[encoding].findall(view):
        converted, unexplained = _convert(word, word, encoding)
        before, after = _is_syllable(word), _is_syllable(converted) and not unexplained
        broken += unexplained + (before and not after)
        fixed += after and not before
    return broken > fixed


def repair(text: str, font_name: str | None = None) -> tuple[str, str | None]:
    """Return (Unicode text, encoding used), or (text, None) when the text is left as it was.

    A legacy font decides the encoding, provided the text holds legacy letters (plain ASCII stays as it is) and
    does not already read as Unicode Vietnamese (a .VnTime cell retyped with a Unicode keyboard). Without such a
    font, `detect` decides.
    """
    font = encoding_of_font(font_name)
    nfc = unicodedata.normalize("NFC", text)
    if font and _is_legacy_repertoire(nfc):
        encoding, capitals = font
        view = nfc.translate(_AS_LATIN1)
        if any(ch in _LEGACY_LETTERS[encoding] for ch in view) and not _reads_as_unicode(view, encoding):
            converted = to_unicode(nfc, encoding, capitals)
            return (converted, encoding) if converted != nfc else (text, None)
        return text, None
    encoding_found = detect(nfc)
    if encoding_found is None:
        return text, None
    converted = to_unicode(nfc, encoding_found)
    return (converted, encoding_found) if converted != nfc else (text, None)
