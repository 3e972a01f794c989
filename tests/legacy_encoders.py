"""Legacy-font text as it looks in Excel, made by encoders written here from the published tables (independent of
thidua.core.legacy_fonts): `tcvn3(text)` for TCVN3 (ABC) fonts such as .VnTime, `vni(text)` for VNI-Windows fonts
such as VNI-Times. Used by tests/test_legacy.py and by the tests that put legacy text into real files."""

from __future__ import annotations

import unicodedata

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng


def toned(letter: str, tone: int) -> str:
    return unicodedata.normalize("NFC", letter + TONES[tone])


# --- an independent encoder for each table ------------------------------------------------------------------
# TCVN3 as the cp1252 glyphs its bytes show, read off the TCVN3 column of the published comparison table.
#                  none huyền sắc hỏi ngã nặng
TCVN3_GLYPHS = {
    "a": "aµ¸¶·¹",
    "ă": "¨»¾¼½Æ",
    "â": "©ÇÊÈÉË",
    "e": "eÌÐÎÏÑ",
    "ê": "ªÒÕÓÔÖ",
    "i": "i×ÝØÜÞ",
    "o": "oßãáâä",
    "ô": "«åèæçé",
    "ơ": "¬êíëìî",
    "u": "uïóñòô",
    "ư": "\u00adõøö÷ù",
    "y": "yúýûüþ",
}
TCVN3_SINGLE = {"đ": "®", "Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}
TCVN3_CODE = {toned(v, t): glyphs[t] for v, glyphs in TCVN3_GLYPHS.items() for t in range(6)} | TCVN3_SINGLE


def tcvn3(text: str) -> str:
    """Legacy TCVN3 text as Excel shows it; raises KeyError for a capital VN3 lacks (those need an H font)."""
    return "".join(ch if ch.isascii() else TCVN3_CODE[ch] for ch in unicodedata.normalize("NFC", text))


VNI_TONE = "øùûõï"  # after the base letter: huyền sắc hỏi ngã nặng
VNI_HAT = "âàáåãä"  # â ê ô with tone none..nặng
VNI_BREVE = "êèéúüë"  # ă with tone none..nặng
VNI_I = "iìíæóò"  # i with tone none..nặng: single bytes


def vni(text: str) -> str:
    """Legacy VNI-Windows text as Excel shows it, written from the VNI key layout: base letter, then one mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ch)
            continue
        lower = ch.lower()
        decomposed = unicodedata.normalize("NFD", lower)
        base, marks = decomposed[0], decomposed[1:]
        tone = next((TONES.index(m) for m in marks if m in TONES[1:]), 0)
        if lower == "đ":
            legacy = "ñ"
        elif base == "i":
            legacy = VNI_I[tone]
        elif base == "y" and tone == 5:
            legacy = "î"
        elif "\u031b" in marks:  # horn: ơ ư are single bytes, the tone follows
            legacy = {"o": "ô", "u": "ö"}[base] + ("" if tone == 0 else VNI_TONE[tone - 1])
        elif "\u0302" in marks:
            legacy = base + VNI_HAT[tone]
        elif "\u0306" in marks:
            legacy = base + VNI_BREVE[tone]
        else:
            legacy = base + VNI_TONE[tone - 1]
        out.append(legacy.upper() if ch.isupper() else legacy)
    return "".join(out)
