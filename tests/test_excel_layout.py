"""One estimate of how text wraps (thidua.excel.layout) for every sheet that gives rows their height: the writers'
FittedSheet, the templates' header and the return copies' fix sheet; and the fix sheet laid out once
(thidua.excel.fix_sheet) for both ways of writing a copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from thidua.excel.fix_sheet import MAX_ROW_HEIGHT, FixSheet, Font, lay_out
from thidua.excel.layout import (
    DEFAULT_WIDTH,
    add_sheet,
    drawn_px,
    line_capacity,
    lines_height,
    stored_px,
    wrapped_lines,
)
from thidua.excel.workbook import new_workbook
from thidua.forms import templates
from thidua.writers.return_copies import FIX_WIDTHS

SENTENCE = "Đăng ký ngày 06/10/2021, sau hạn nộp 04/10/2021 (Kế hoạch thi đua của trường (hạn nộp bản đăng ký))."


def test_the_estimate_keeps_its_figures() -> None:
    """What LibreOffice's printed pages were checked against (tests/test_printing.py): 7 px a character of width,
    5 px of padding when the width is xlsxwriter's, 0.56 px a point a character, 0.62 in bold."""
    assert drawn_px(70) == 495 and stored_px(70) == 490
    assert drawn_px(DEFAULT_WIDTH) == pytest.approx(stored_px(DEFAULT_WIDTH + 5 / 7))  # the padding, stored
    assert line_capacity(drawn_px(70), 11) == 80 and line_capacity(stored_px(70), 11) == 79
    assert line_capacity(stored_px(70), 11, bold=True) == 71
    assert line_capacity(1, 14) == 1  # never less than a character a line
    assert lines_height(1, 11) == pytest.approx(16.2) and lines_height(3, 12) == pytest.approx(46.2)


def test_a_fitted_sheet_and_the_templates_use_the_one_estimate(tmp_path: Path) -> None:
    with new_workbook(tmp_path / "x.xlsx") as wb:
        ws = add_sheet(wb, "S")
        ws.set_column(0, 0, 30)
        ws.set_column(1, 2, 12)
        for bold, size in ((False, 11), (True, 12)):
            fmt = wb.add_format({"text_wrap": True, "bold": bold, "font_size": size})
            lines = wrapped_lines(SENTENCE, line_capacity(drawn_px(30), size, bold))
            assert lines > 1
            assert ws.text_height(SENTENCE, fmt, 0) == lines_height(lines, size)
            over = wrapped_lines(SENTENCE, line_capacity(drawn_px(24), size, bold))  # a span: one padding
            assert ws.text_height(SENTENCE, fmt, 1, 2) == (lines_height(over, size) if over > 1 else 0.0)
        assert ws.text_height("ngắn", fmt, 0) == 0.0  # one line keeps the application's height
    label = "Số sáng kiến, đề tài nghiên cứu khoa học được công nhận"
    width = 14
    assert templates._label_height(label, width) == lines_height(
        wrapped_lines(label, line_capacity(drawn_px(width), 12, bold=True)), 12
    )


def test_the_fix_sheet_is_laid_out_once_from_what_it_says() -> None:
    rows = [
        ("title", ["Tệp “a.xlsx” cần sửa các chỗ sau rồi gửi lại cho Ban thi đua."]),
        ("plain", ["Ô tô màu đỏ là lỗi."]),
        None,
        ("head", ["Trang tính", "Ô", "Mức độ", "Vấn đề", "Cần làm gì"]),
        ("plain", ["Đăng ký", "N6", "Cảnh báo", "Đăng ký muộn", SENTENCE * 3]),
        ("plain", ["", "", "", "", "x " * 20_000]),  # taller than Excel's tallest row
        None,
    ]
    sheet = lay_out(FixSheet("Cần sửa", rows, FIX_WIDTHS, "FFFF0000", ("Times New Roman", 12), ("Arial", 10)))
    assert [row.number for row in sheet.rows] == [1, 2, 4, 5, 6]
    assert sheet.extent == 7 and sheet.title_row == 4 and sheet.widths == FIX_WIDTHS
    assert sheet.merges == ((1, 0, 4), (2, 0, 4))  # a single text spans the table
    assert [row.font for row in sheet.rows[:3]] == [
        Font("Times New Roman", 12, True),
        Font("Arial", 10, False),
        Font("Arial", 10, True),
    ]
    title, _, head, issue, tall = sheet.rows
    assert title.height == round(lines_height(1, 12), 2)
    assert head.height == round(lines_height(1, 10), 2)
    lines = wrapped_lines(SENTENCE * 3, line_capacity(stored_px(FIX_WIDTHS[4]), 10))  # the width as stored
    assert lines > 2 and issue.height == round(lines_height(lines, 10), 2)
    assert tall.height == MAX_ROW_HEIGHT and tall.texts[0] == ""
    assert (sheet.page.paper, sheet.page.landscape, sheet.page.fit_width, sheet.page.fit_height) == (9, True, 1, 0)
    one_column = lay_out(FixSheet("S", [("title", ["Một cột"])], (20,), "FFFF0000"))
    assert one_column.merges == () and one_column.title_row == 0
