"""Text normalisation: keys ignore case, spacing, NFC/NFD and tone placement, and nothing else."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thidua.core.text import ascii_slug, clean, fold, key, looks_undiacritised, name_sort_key, place_tone, tidy

VIETNAMESE = st.text(
    alphabet=st.sampled_from(list("aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐbcdghklmnpqrstvx hòáãảạềếễểệ\u00a0\u200b")), max_size=30
)


@given(VIETNAMESE)
def test_key_is_invariant_under_nfc_and_nfd(text: str) -> None:
    assert key(unicodedata.normalize("NFD", text)) == key(unicodedata.normalize("NFC", text))


@given(VIETNAMESE)
def test_clean_and_key_are_idempotent(text: str) -> None:
    assert clean(clean(text)) == clean(text)
    assert key(key(text)) == key(text)
    assert unicodedata.is_normalized("NFC", clean(text))


# Characters where a shortcut of clean/tidy/key could go wrong: every odd and zero-width space, whitespace that
# str.strip removes though clean does not translate it (\x1c, \x85, U+2028, U+1680), combining marks (NFD), the
# Icelandic eth, underscores and punctuation between words.
TRICKY = st.text(
    alphabet=st.sampled_from(
        [*"aăêoơưđĐ hòễệ_-.,", *"\u00a0\u200b\u00ad\t\n\x1c\x85\u2028\u1680\u3000\u0301\u0323\u00d0\u00f0"]
    ),
    max_size=12,
)


def _clean_by_definition(text: str) -> str:
    text = "".join(" " if ch in "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\n\v\f" else ch for ch in text)
    text = "".join(ch for ch in text if ch not in "\u200b\u200c\u200d\u2060\ufeff\u00ad")
    text = unicodedata.normalize("NFC", text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111"))
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip()


@given(TRICKY)
def test_the_shortcuts_of_clean_tidy_and_key_agree_with_their_definitions(text: str) -> None:
    """clean returns a text unchanged when nothing in it needs cleaning, and tidy and key split clean text on
    spaces when its pieces are words: neither shortcut may change a result."""
    import re

    assert clean(text) == _clean_by_definition(text)
    words = re.findall(r"\w+", _clean_by_definition(text))
    assert tidy(text) == re.sub(r"\w+", lambda m: place_tone(m.group(0), "old"), _clean_by_definition(text))
    assert key(text) == key(" ".join(words)) == " ".join(key(w) for w in words if key(w))


def test_tone_placement_old_and_new_give_one_key() -> None:
    assert key("Phạm Thị Hòa") == key("Phạm Thị Hoà") == key("  PHẠM  THỊ HOÀ ")
    assert key("Hồ Thị Thúy Kiều") == key("Hồ Thị Thuý Kiều")


def test_key_keeps_letters_and_tones_that_make_a_different_name() -> None:
    assert key("Mai Xuân Quí") != key("Mai Xuân Quý")
    assert key("Nguyễn Thị Hà") != key("Nguyễn Thị Hạ")


def test_clean_removes_odd_spaces_and_fixes_eth() -> None:
    assert clean("\u00a0Nguy\u00ean\u200b  Văn\tA ") == "Nguyên Văn A"
    assert clean("\u00d0inh Thị Mai") == "Đinh Thị Mai"


def test_fold_and_slug() -> None:
    assert fold("Đồ dùng  dạy học") == "do dung day hoc"
    assert ascii_slug("Tổ 4–5") == "to-4-5"


@given(VIETNAMESE)
def test_tidy_is_idempotent_and_nfd_invariant(text: str) -> None:
    for style in ("old", "new"):
        once = tidy(text, style)
        assert tidy(once, style) == once
        assert tidy(unicodedata.normalize("NFD", text), style) == once
        assert key(once) == key(text)  # repair never changes what a text matches


@pytest.mark.parametrize(
    ("word", "old", "new"),
    [
        ("hoà", "hòa", "hoà"),
        ("Thuý", "Thúy", "Thuý"),
        ("khoẻ", "khỏe", "khoẻ"),
        ("hoàn", "hoàn", "hoàn"),
        ("quý", "quý", "quý"),
        ("giữa", "giữa", "giữa"),
        ("người", "người", "người"),
        ("ngoài", "ngoài", "ngoài"),
        ("khuỷu", "khuỷu", "khuỷu"),
        ("HOÀ", "HÒA", "HOÀ"),
        ("Thuỳ", "Thùy", "Thuỳ"),
    ],
)
def test_one_tone_placement_style(word: str, old: str, new: str) -> None:
    assert place_tone(word, "old") == old
    assert place_tone(word, "new") == new


def test_names_sort_the_vietnamese_way() -> None:
    names = ["Nguyễn Văn Thắng", "Trần Thị Ánh", "Lê Văn Ăn", "Lê Văn Anh", "Trần Văn Đức", "Lê Văn Dũng", "Y Blưm"]
    assert sorted(names, key=name_sort_key) == [
        "Lê Văn Anh",
        "Trần Thị Ánh",
        "Lê Văn Ăn",
        "Y Blưm",
        "Lê Văn Dũng",
        "Trần Văn Đức",
        "Nguyễn Văn Thắng",
    ]


def test_cell_text_never_carries_what_xml_forbids() -> None:
    from thidua.excel.workbook import safe_text

    assert safe_text("a\x00b\x0bc\ud800d\ufffe") == "a\ufffdb\ufffdc\ufffdd\ufffd"  # a lone surrogate too
    assert safe_text("Trần Văn Quý\n\tx") == "Trần Văn Quý\n\tx"
    safe_text("\ud83d").encode("utf-8")  # would raise UnicodeEncodeError if kept


@pytest.mark.parametrize(
    ("name", "undiacritised"),
    [
        ("Nguyen Thi Huong", True),  # a family name always marked (Nguyễn)
        ("Phan Van Hai", True),  # Văn
        ("Mai Xuan Qui", True),  # Xuân: uâ needs its hat
        ("Pham Duc", True),  # Đức: a closed syllable never goes unmarked
        ("Luu Minh", True),  # Lưu
        ("Nguyễn Thị Hương", False),
        ("Y Nhung", False),  # written so
        ("Mai Lan", False),
        ("Phan Quang", False),
        ("Hoa", False),  # one word: nothing to judge by
    ],
)
def test_a_name_typed_without_diacritics_is_recognised(name: str, undiacritised: bool) -> None:
    assert looks_undiacritised(name) is undiacritised


@given(st.dates(), st.text(max_size=12))
def test_a_persons_label_writes_the_birth_date_day_month_and_four_digit_year(born: dt.date, name: str) -> None:
    """Person.label formats the birth date by its fields (strftime was a tenth of writing the issue report at
    20,000 persons): dd/mm/yyyy, the year in four digits (as ISO 8601 writes it) on every platform."""
    from thidua.core.plan import Person

    person = Person(1, name, born, "Nữ", "Giáo viên", "Tổ 1")
    year, month, day = born.isoformat().split("-")
    assert person.label == f"{name} ({day}/{month}/{year})"
    assert Person(1, name, None, "Nữ", "Giáo viên", "Tổ 1").label == name
