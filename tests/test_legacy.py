"""Legacy fonts: every letter and tone round-trips through the encoders written from the published tables
(tests/legacy_encoders.py), real phrases are found and repaired, and Unicode Vietnamese, ASCII and European text
are never touched. Tables of letters and texts are checked whole: a failure lists every item that came out wrong."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thidua.core.legacy_fonts import TCVN3, VNI, detect, encoding_of_font, repair, to_unicode

from .legacy_encoders import TCVN3_CODE, TONES, tcvn3, toned, vni

VOWELS = "aăâeêioôơuưy"
CONSONANTS = "bcdđfghjklmnpqrstvwxz"

# A check of a table-driven test: what was checked, the value that came out, the value expected.
Check = tuple[str, object, object]


def mismatches(items: Iterable[str], checks: Callable[[str], Iterator[Check]]) -> list[str]:
    """One line for every check of every item that came out wrong (an exception ends that item's checks and is
    reported as its line), so one failure names every wrong letter with its expected and actual value."""
    wrong = []
    for item in items:
        try:
            for what, actual, expected in checks(item):
                if actual != expected:
                    wrong.append(f"{what}: expected {expected!r}, got {actual!r}")
        except Exception as exc:
            wrong.append(f"{item!r}: raised {exc!r}")
    return wrong


# --- every letter, every tone, both cases -------------------------------------------------------------------
LETTERS = [toned(v, t) for v in VOWELS for t in range(6)]


def test_tcvn3_round_trips_every_toned_vowel() -> None:
    def checks(letter: str) -> Iterator[Check]:
        yield letter, to_unicode(tcvn3(letter), TCVN3), letter
        capital = letter.upper()
        if capital in TCVN3_CODE or capital.isascii():  # VN3 has Ă Â Ê Ô Ơ Ư untoned, and ASCII
            yield capital, to_unicode(tcvn3(capital), TCVN3), capital
        else:  # typed with the lower-case code in a .VnTimeH font
            try:
                legacy = tcvn3(capital)
            except KeyError:
                pass
            else:
                yield f"tcvn3({capital!r}), a capital VN3 lacks", legacy, "KeyError"
            yield f"{letter} in an H font", to_unicode(tcvn3(letter), TCVN3, capitals=True), capital

    wrong = mismatches(LETTERS, checks)
    assert not wrong, "\n".join(wrong)


def test_vni_round_trips_every_toned_vowel() -> None:
    def checks(letter: str) -> Iterator[Check]:
        yield letter, to_unicode(vni(letter), VNI), letter
        yield letter.upper(), to_unicode(vni(letter.upper()), VNI), letter.upper()
        yield "b" + letter + "n", to_unicode(vni("b" + letter + "n"), VNI), "b" + letter + "n"  # inside a word too

    wrong = mismatches(LETTERS, checks)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_consonants_round_trip(encoding: str) -> None:
    def checks(letter: str) -> Iterator[Check]:
        legacy = tcvn3(letter) if encoding == TCVN3 else vni(letter)
        yield letter, to_unicode(legacy, encoding), letter
        yield f"{letter} in an H font", to_unicode(legacy, encoding, capitals=True), letter.upper()

    wrong = mismatches(list(CONSONANTS) + [c.upper() for c in CONSONANTS], checks)
    assert not wrong, "\n".join(wrong)


def test_every_tcvn3_letter_in_one_string_and_as_capitals() -> None:
    text = "".join(LETTERS) + "đ"
    assert to_unicode(tcvn3(text), TCVN3) == text
    assert to_unicode(tcvn3(text), TCVN3, capitals=True) == text.upper()
    assert to_unicode(vni(text.upper()), VNI) == text.upper()


@pytest.mark.parametrize(
    ("legacy", "encoding", "expected"),
    [  # as such cells look in Excel, independent of both encoders above
        ("NguyÔn V¨n Th¾ng", TCVN3, "Nguyễn Văn Thắng"),
        ("Tr\u00adêng TiÓu häc M¨ng §en", TCVN3, "Trường Tiểu học Măng Đen"),
        ("§Æng ThÞ Ngäc ¸nh", TCVN3, "Đặng Thị Ngọc ánh"),
        ("Nguyeãn Vaên Thaéng", VNI, "Nguyễn Văn Thắng"),
        ("Tröôøng Tieåu hoïc Maêng Ñen", VNI, "Trường Tiểu học Măng Đen"),
        ("Ñaëng Thò Ngoïc AÙnh", VNI, "Đặng Thị Ngọc Ánh"),
        ("NGUYEÃN THÒ THUYÙ KIEÀU", VNI, "NGUYỄN THỊ THUÝ KIỀU"),
        ("Quyõ, kyû, Mî", VNI, "Quỹ, kỷ, Mỵ"),
    ],
)
def test_published_examples(legacy: str, encoding: str, expected: str) -> None:
    assert to_unicode(legacy, encoding) == expected
    assert to_unicode(unicodedata.normalize("NFD", legacy), encoding) == expected


def test_tcvn3_h_font_gives_capitals() -> None:
    assert to_unicode("nguyÔn v¨n th¾ng", TCVN3, capitals=True) == "NGUYỄN VĂN THẮNG"


def test_bytes_0x80_to_0x9f_read_the_same_as_cp1252_or_latin1() -> None:
    cp1252, latin1 = "NguyÔn V¨n Th¾ng – Tr\u00adêng TiÓu häc", "NguyÔn V¨n Th¾ng \x96 Tr\u00adêng TiÓu häc"
    assert to_unicode(cp1252, TCVN3) == "Nguyễn Văn Thắng – Trường Tiểu học"
    assert to_unicode(latin1, TCVN3) == "Nguyễn Văn Thắng \x96 Trường Tiểu học"
    assert detect(cp1252) == detect(latin1) == TCVN3
    assert detect("Nguyeãn Vaên Thaéng “Tröôøng”") == detect("Nguyeãn Vaên Thaéng \x93Tröôøng\x94") == VNI


def test_unknown_encoding_is_a_program_error() -> None:
    with pytest.raises(ValueError, match="VISCII"):
        to_unicode("x", "VISCII")


# --- detection and repair of real phrases -------------------------------------------------------------------
PHRASES = [
    "Nguyễn Văn Thắng",
    "Trường Tiểu học Măng Đen",
    "Lao động tiên tiến",
    "Chiến sĩ thi đua cơ sở",
    "Sáng kiến kinh nghiệm",
    "Đồ dùng dạy học",
    "Hoàn thành tốt nhiệm vụ",
]


@pytest.mark.parametrize("phrase", PHRASES)
@pytest.mark.parametrize(("encoding", "encode", "font"), [(TCVN3, tcvn3, ".VnTime"), (VNI, vni, "VNI-Times")])
def test_phrases_are_detected_and_repaired(phrase: str, encoding: str, encode: Callable[[str], str], font: str) -> None:
    legacy = encode(phrase)
    assert legacy != phrase
    assert detect(legacy) == encoding
    assert repair(legacy) == (phrase, encoding)
    assert repair(legacy, font) == (phrase, encoding)
    other = ".VnArial" if encoding == VNI else "VNI-Helve"
    assert repair(legacy, other)[0] != phrase  # the font wins over detection: tables really differ


@pytest.mark.parametrize("phrase", PHRASES)
def test_h_font_phrases_become_capitals(phrase: str) -> None:
    assert repair(tcvn3(phrase.lower()), ".VnTimeH") == (phrase.upper(), TCVN3)
    assert repair(tcvn3(phrase.lower()), ".VnArialH") == (phrase.upper(), TCVN3)


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", (TCVN3, False)),
        (".VnArial", (TCVN3, False)),
        (".VNTIME", (TCVN3, False)),
        (".VnTimeH", (TCVN3, True)),
        (".VnArialH", (TCVN3, True)),
        (".vnarial narrowh", (TCVN3, True)),
        ("VNI-Times", (VNI, False)),
        ("vni-helve", (VNI, False)),
        ("VNI-Aptima", (VNI, False)),
        ("Times New Roman", None),
        ("Arial", None),
        ("", None),
        (None, None),
    ],
)
def test_encoding_of_font(font: str | None, expected: tuple[str, bool] | None) -> None:
    assert encoding_of_font(font) == expected


@pytest.mark.parametrize("text", ["Lop 1", "Nguyen Van A", "123", "", "Lop 1A - THCS"])
@pytest.mark.parametrize("font", [".VnTime", ".VnTimeH", "VNI-Times"])
def test_ascii_in_a_legacy_font_is_left_alone(text: str, font: str) -> None:
    assert repair(text, font) == (text, None)


@pytest.mark.parametrize("text", ["Nguyễn Thị Thuý Kiều", "Lê Thành Tâm", "Cà phê Tây Nguyên", "Hồ Chí Minh"])
def test_unicode_typed_into_a_legacy_font_cell_is_left_alone(text: str) -> None:
    assert repair(text, ".VnTime") == (text, None)
    assert repair(text, "VNI-Times") == (text, None)


# --- never flag normal text ---------------------------------------------------------------------------------
NORMAL = [
    "Nguyễn Thị Thuý Kiều",
    "Nguyễn Thị Thúy Kiều",
    "Đặng Thị Ngọc Ánh",
    "Y Blưm",
    "Lê Thành Tâm",
    "Lê Hà",
    "Hòa Bình",
    "Hoà Bình",
    "Cà phê Tây Nguyên",
    "Toàn Khoá Hoãn",
    "Giàng A Páo",
    "Lò Văn Á",
    "Bùi Tú Tài",
    "Võ Thị Sáu",
    "Phạm Minh Chính",
    "NGUYỄN VĂN AN",
    "LÊ THÀNH TÂM",
    "HOÀNG TOÀN",
    "CÔ GIÁO TÂM",
    "TRƯỜNG THCS KIM ĐỒNG",
    "Hồ Chí Minh",
    "Kon Tum",
    "Đắk Lắk",
    "H'Hen Niê",
    "Áo dài",
    "Sữa tươi Vinamilk 180ml",
    "Bánh mì Hà Nội",
    "Giáo viên dạy giỏi cấp trường",
    "Tổ Toán – Tin",
    "Hoàn thành xuất sắc nhiệm vụ",
    "Quý Quí Thuý Thúy Uyên Khuê Xuân",
    "Khá",
    "Tốt",
    "Ô",
    "Ủa",
    "Lớp 5A",
    "Lop 1",
    "Nguyen Van A",
    "THCS",
    "2024-2025",
    "",
    "Hello world",
    "The quick brown fox jumps over the lazy dog",
    "café",
    "naïve",
    "Où est la gare où",
    "déjà vu",
    "Crème brûlée à la carte",
    "Noël",
    "Loïc",
    "Raphaël",
    "Señor José",
    "São Paulo",
    "Müller",
    "Ångström",
    "Côte d'Ivoire",
    "Hôtel Résumé",
    "Zoë",
    "Voilà",
    "Ça va",
    "Pokémon",
    "5 µm to 10 µm",
    "© 2024 ACME®",
    "½ ½ ½ ½",
    "§ 3 ¶ 2",
]


def test_normal_text_is_never_flagged() -> None:
    def checks(text: str) -> Iterator[Check]:
        yield f"detect({text!r})", detect(text), None
        yield f"repair({text!r})", repair(text), (text, None)

    wrong = mismatches(NORMAL + [unicodedata.normalize("NFD", t) for t in NORMAL], checks)
    assert not wrong, "\n".join(wrong)


# Syllables built from the Vietnamese inventory: onset + rhyme + tone. "*" follows the vowel that carries the
# tone; oa, oe and uy carry it on either vowel (old style hòa, new style hoà). Stops take only sắc or nặng.
ONSETS = ["", "b", "ch", "d", "đ", "h", "kh", "l", "m", "n", "nh", "ph", "r", "s", "t", "th", "tr", "v", "x"]
BACK_ONSETS = [*ONSETS, "c", "g", "ng", "gi"]  # before a o u ...
FRONT_ONSETS = [*ONSETS, "k", "gh", "ngh"]  # before e ê i


def words(text: str) -> list[str]:
    return text.split()


BACK_RHYMES = words(
    "a* a*i a*m a*n a*ng a*nh a*o a*u a*y ă*m ă*n ă*ng â*m â*n â*ng â*u â*y o* o*i o*m o*n o*ng ô* ô*i ô*m ô*n ô*ng"
    " ơ* ơ*i ơ*m ơ*n u* u*a u*i u*m u*n u*ng ư* ư*a ư*i ư*ng ư*u ươ*i ươ*m ươ*ng uô*i uô*n uô*ng o*a* oa*i oa*n"
    " oa*ng oa*nh oa*y o*e* uâ*n u*y* uyê*n"
)
FRONT_RHYMES = words("e* e*m e*n e*o ê* ê*m ê*n ê*nh ê*u i* i*a i*m i*n i*nh i*u iê*m iê*n iê*ng iê*u")
STOP_RHYMES = words(
    "a*c a*ch a*p a*t ă*c ă*p ă*t â*c â*p â*t o*c o*p o*t ô*c ô*t ơ*t u*c u*p u*t ư*c ư*t ươ*c ươ*t uô*c uô*t"
    " oa*t oa*c uâ*t uyê*t"
)
FRONT_STOPS = words("e*c e*p e*t ê*ch ê*t i*ch i*p i*t iê*c iê*p iê*t")
QU_RHYMES = words("a* a*n a*ng a*nh â*n ê* y* yê*n y*nh")


@st.composite
def syllables(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["back", "front", "stop", "front stop", "qu"]))
    if kind == "qu":
        onset, rhyme = "qu", draw(st.sampled_from(QU_RHYMES))
    else:
        onsets = FRONT_ONSETS if kind.startswith("front") else BACK_ONSETS
        rhymes = {"back": BACK_RHYMES, "front": FRONT_RHYMES, "stop": STOP_RHYMES, "front stop": FRONT_STOPS}[kind]
        onset, rhyme = draw(st.sampled_from(onsets)), draw(st.sampled_from(rhymes))
    if onset == "gi" and rhyme[0] == "i":
        onset = "g"
    tone = TONES[draw(st.sampled_from([2, 5] if "stop" in kind else range(6)))]
    places = [i for i, ch in enumerate(rhyme) if ch == "*"]
    at = draw(st.sampled_from(places))
    rhyme = (rhyme[:at] + tone + rhyme[at:]).replace("*", "")
    word = unicodedata.normalize("NFC", onset + rhyme)
    return draw(st.sampled_from([word, word.capitalize(), word.upper()]))


vietnamese_text = st.lists(syllables(), min_size=1, max_size=10).map(" ".join)


@pytest.mark.slow
@settings(max_examples=1000)
@given(vietnamese_text)
def test_unicode_vietnamese_is_never_flagged(text: str) -> None:
    assert detect(text) is None
    assert repair(text) == (text, None)
    assert detect(unicodedata.normalize("NFD", text)) is None


@settings(max_examples=200)
@given(st.lists(syllables(), min_size=1, max_size=8).map(" ".join))
def test_repair_is_idempotent_on_repaired_legacy(text: str) -> None:
    legacy = vni(text)
    repaired, _ = repair(legacy, "VNI-Times")
    assert repaired == unicodedata.normalize("NFC", text)
    assert repair(repaired) == (repaired, None)
