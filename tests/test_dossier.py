"""The year-end dossier (SPEC 14, issue #22): in the vote month's run, through the CLI, a tờ trình per deciding
authority whose figures are summary.json's, the list referring to it, the biên bản with every nominee's ballot and
a CSTĐCS under the pack's share flagged (and barred in the list and the API alike), a báo cáo thành tích per CSTĐCS
nominee; Word files in NĐ 30's layout, opened back with python-docx and by LibreOffice."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.shared import Mm

from thidua import api
from thidua.cli import main
from thidua.core.text import fold
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from .conftest import is_a4, libreoffice_convert, pdf_pages, soffice

SEED_VOTE_MONTH = "2022-05"
COMMUNE_VOTE_MONTH = "2027-05"
FOLDER = "ho-so-de-nghi"


def _run(root: Path, month: str) -> dict[str, object]:
    done = CliRunner().invoke(main, ["run", "-w", str(root), "--month", month, "--json"])
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.stdout)


def _ballots(path: Path) -> list[list[str]]:
    """The rows of the biên bản's ballot table (the table headed STT), its header left out."""
    table = next(t for t in docx.Document(str(path)).tables if t.rows[0].cells[0].text == "STT")
    return [[cell.text for cell in row.cells] for row in table.rows[1:]]


def _text(path: Path) -> str:
    """Every paragraph of a document, its tables' cells included, one per line."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The seed's demo run at its vote month."""
    root = tmp_path_factory.mktemp("seed") / "ws"
    done = CliRunner().invoke(main, ["init", "--demo", str(root)])
    assert done.exit_code == 0, done.output
    return root, _run(root, SEED_VOTE_MONTH)


def test_the_vote_month_writes_a_dossier_whose_figures_are_the_summarys(seed: tuple[Path, dict[str, object]]) -> None:
    root, summary = seed
    folder = Workspace(root).month_dir(SEED_VOTE_MONTH) / FOLDER
    proposals = sorted(folder.glob("to-trinh-*.docx"))
    assert [p.name for p in proposals] == ["to-trinh-de-nghi-khen-thuong.docx"]  # one authority: the district's
    text = _text(proposals[0])
    for expected in (
        "TỜ TRÌNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Kính gửi:",
        "/TTr-THMĐ",
        "Nơi nhận:",
        "(Có danh sách kèm theo)",
        "Nghị định số 91/2017/NĐ-CP",
    ):
        assert expected in text, expected
    nominations = summary["nominations"]
    assert isinstance(nominations, dict)
    asked = {m.group(1): int(m.group(2)) for m in re.finditer(r"\d+\. (?:Danh hiệu “)?(.+?)”?: (\d+) cá nhân", text)}
    # every proposal the district's chairman decides, with summary.json's number; the principal's own Giấy khen
    # goes up in no tờ trình
    assert asked == {k: v for k, v in nominations.items() if "Hiệu trưởng" not in k}
    assert "Hiệu trưởng" not in "".join(asked)
    # no placeholder or missing value printed
    for path in folder.glob("*.docx"):
        body = _text(path)
        assert not re.search(r"\{|\}|\bnan\b|\bNone\b|<NA>|NaT", body), path.name


def test_each_document_is_an_a4_word_file_in_times_new_roman(seed: tuple[Path, dict[str, object]]) -> None:
    root, _summary = seed
    folder = Workspace(root).month_dir(SEED_VOTE_MONTH) / FOLDER
    for path in folder.glob("*.docx"):
        document = docx.Document(str(path))
        section = document.sections[0]
        size = sorted((section.page_width, section.page_height))
        assert abs(size[0] - Mm(210)) < Mm(1) and abs(size[1] - Mm(297)) < Mm(1), path.name  # twips round
        assert section.left_margin >= Mm(20) and abs(section.top_margin - Mm(20)) < Mm(1), path.name
        normal = document.styles["Normal"].font
        assert normal.name == "Times New Roman" and normal.size.pt in (13, 14), path.name


def test_every_style_a_document_uses_is_defined_in_it(seed: tuple[Path, dict[str, object]]) -> None:
    """The documents start from a base with only the styles they name (writers.word._base_document): each style
    their parts refer to (paragraphs, runs, tables, the numbering definitions) and each style a style rests on is
    defined in the document; the styles python-docx's template brings and nothing uses are not carried along."""
    root, _summary = seed
    folder = Workspace(root).month_dir(SEED_VOTE_MONTH) / FOLDER
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    everywhere: set[str] = set()
    for path in sorted(folder.glob("*.docx")):
        document = docx.Document(str(path))
        styles = document.styles.element.findall(f"{w}style")
        defined = {style.get(f"{w}styleId") for style in styles}
        parts = (document.element.body, document.part.numbering_part.element)
        used = {
            element.get(f"{w}val")
            for part in parts
            for tag in ("pStyle", "rStyle", "tblStyle")
            for element in part.iter(f"{w}{tag}")
        }
        rests_on = {
            element.get(f"{w}val")
            for style in styles
            for tag in ("basedOn", "next", "link")
            for element in style.iter(f"{w}{tag}")
        }
        everywhere |= used
        assert used | rests_on <= defined, f"{path.name}: {sorted((used | rests_on) - defined)} not defined"
        assert len(defined) < 20, f"{path.name}: {len(defined)} styles"  # python-docx's template defines 164
    assert "TableGrid" in everywhere  # the list's and the minutes' tables refer to their style


def test_the_minutes_list_every_nominee_with_the_ballot_and_each_cstdcs_has_a_report(
    seed: tuple[Path, dict[str, object]],
) -> None:
    root, summary = seed
    may = api.month(root, SEED_VOTE_MONTH)
    folder = Workspace(root).month_dir(SEED_VOTE_MONTH) / FOLDER
    rows = _ballots(folder / "bien-ban-binh-xet.docx")
    nominees = may.nominations.drop_duplicates("person")
    assert [r[1] for r in rows] == list(nominees["name"])
    for row, nominee in zip(rows, nominees.itertuples(index=False), strict=True):
        assert row[3] == f"{nominee.votes_for}/{nominee.votes_total}"
    cstdcs = may.nominations[may.nominations["proposal"] == "Chiến sĩ thi đua cơ sở"]
    reports = sorted(folder.glob("bao-cao-thanh-tich-*.docx"))
    assert len(reports) == len(cstdcs) == summary["nominations"]["Chiến sĩ thi đua cơ sở"]  # type: ignore[index]
    for nominee in cstdcs.itertuples(index=False):
        found = [r for r in reports if f"Họ và tên: {nominee.name}" in _text(r)]
        assert len(found) == 1, nominee.name
        text = _text(found[0])
        assert f"{nominee.birth_date:%d/%m/%Y}" in text and "Quê quán: …" in text  # known filled, the rest left
    # the list the dossier carries refers to its tờ trình
    assert "Kèm theo Tờ trình số" in _text(folder / "danh-sach-de-nghi-khen-thuong.docx")


def test_a_month_without_the_vote_has_no_dossier(seed: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    """Before the vote nothing is proposed; after it the titles still count, but the proposals went up with the
    vote month's report: no list, no dossier, no nominations in the figures."""
    root = tmp_path / "ws"
    shutil.copytree(seed[0], root)
    for month in ("2022-03", "2022-06"):
        summary = _run(root, month)
        folder = Workspace(root).month_dir(month)
        assert not (folder / FOLDER).exists() and not (folder / f"de-nghi-khen-thuong-{month}.xlsx").exists(), month
        assert "nominations" not in summary, month
    june = {t["code"]: t["achieved"] for t in summary["targets"]}  # type: ignore[union-attr]
    may = {t["code"]: t["achieved"] for t in seed[1]["targets"]}  # type: ignore[union-attr]
    assert june["LDTT"] == may["LDTT"] > 0  # the titles count on after the vote


@pytest.fixture(scope="module")
def commune(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2026–2027 demo workspace (the 2025 pack: the commune's chairman decides) in which one CSTĐCS nominee
    got 20 of 32 votes, under the pack's 80%."""
    root = tmp_path_factory.mktemp("commune") / "ws"
    done = CliRunner().invoke(main, ["init", "--demo", "--school-year", "2026-2027", str(root)])
    assert done.exit_code == 0, done.output
    may = api.month(root, COMMUNE_VOTE_MONTH)
    voted = may.votes[may.votes["title"] == "Chiến sĩ thi đua cơ sở"].iloc[0]
    birth = may.persons.loc[voted["person"], "birth_date"].date()
    _fill(
        root / "input_templates" / "mau-binh-xet-cuoi-nam.xlsx",
        root / "submissions" / "binh-xet" / "zz-phieu-lai.xlsx",
        [
            [
                1,
                voted["name"],
                birth,
                "HTXSNV",
                "Không",
                "Chiến sĩ thi đua cơ sở",
                "",
                20,
                32,
                "",
                dt.date(2027, 5, 26),
                "",
            ]
        ],
    )
    return root


def test_a_cstdcs_under_the_ballot_share_is_flagged_and_barred_everywhere(commune: Path) -> None:
    summary = _run(commune, COMMUNE_VOTE_MONTH)
    may = api.month(commune, COMMUNE_VOTE_MONTH)
    under = may.nominations[
        (may.nominations["proposal"] == "Chiến sĩ thi đua cơ sở") & (may.nominations["votes_for"] == 20)
    ]
    assert len(under) == 1 and not under["eligible"].iloc[0]
    name = str(under["name"].iloc[0])
    assert "phiếu" in str(under["reasons"].iloc[0])
    folder = Workspace(commune).month_dir(COMMUNE_VOTE_MONTH) / FOLDER
    rows = _ballots(folder / "bien-ban-binh-xet.docx")
    row = next(r for r in rows if r[1] == name)
    assert row[3] == "20/32" and row[5] == "Dưới 80%"
    assert sum(r[5] == "Dưới 80%" for r in rows) == 1
    # the printed list says the same as the API
    with contextlib.closing(
        openpyxl.load_workbook(
            Workspace(commune).month_dir(COMMUNE_VOTE_MONTH) / f"de-nghi-khen-thuong-{COMMUNE_VOTE_MONTH}.xlsx"
        )
    ) as book:
        cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert any(c.startswith("Cần xem xét") and "phiếu" in c for c in cells)
    # the commune's chairman decides the titles; the tờ trình goes to the school's receiving office
    text = _text(folder / "to-trinh-de-nghi-khen-thuong.docx")
    assert "Chủ tịch Ủy ban nhân dân xã" in text and "Nghị định số 152/2025/NĐ-CP" in text
    assert "chưa đủ điều kiện" in text  # the principal is told before signing
    assert summary["nominations"]["Chiến sĩ thi đua cơ sở"] >= 1  # type: ignore[index]


@pytest.mark.libreoffice
def test_libreoffice_opens_every_document_as_a4_pages(seed: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    root, _summary = seed
    exe = soffice()
    if exe is None or not (Path(exe).resolve().parent / "swriter").exists():
        pytest.skip("LibreOffice Writer is not installed")
    folder = Workspace(root).month_dir(SEED_VOTE_MONTH) / FOLDER
    sources = sorted(folder.glob("*.docx"))
    for pdf in libreoffice_convert(sources, "pdf", tmp_path / "pdf"):
        pages = pdf_pages(pdf)
        assert pages and all(is_a4(w, h) for w, h, _text in pages), pdf.name
        assert "Độc lập - Tự do - Hạnh phúc" in pages[0][2] or "BÁO CÁO THÀNH TÍCH" in pages[0][2], pdf.name


def test_timely_results_are_listed_and_proposed_and_kept_when_the_month_runs_again(
    commune: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(commune, root)
    april = "2027-04"
    _run(root, april)
    listed = api.month(root, april).timely
    assert len(listed) >= 2 and set(listed["result"]) == {"Đạt giải"}  # the demo's prizes at Tỉnh level and above
    dashboard = Workspace(root).month_dir(april) / f"tong-hop-thi-dua-{april}.xlsx"
    with contextlib.closing(openpyxl.load_workbook(dashboard)) as book:
        shown = [r[1] for r in book["Đề nghị đột xuất"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert shown == list(listed["name"])
    person = str(listed["name"].iloc[-1])
    unaccented = fold(person)  # typed without diacritics, in lower case
    assert unaccented.isascii()
    done = CliRunner().invoke(main, ["propose", "-w", str(root), "--month", april, "--chon", unaccented])
    assert done.exit_code == 0, done.output
    folder = Workspace(root).month_dir(april) / "de-nghi-dot-xuat"
    (first,) = folder.glob("to-trinh-de-nghi-khen-thuong-dot-xuat-*.docx")
    text = _text(first)
    assert person in text and "khen thưởng đột xuất" in text and "Chủ tịch Ủy ban nhân dân xã" in text
    others = set(listed["name"]) - {person}
    assert not any(f"{name} (" in text for name in others)  # only the rows the board named
    _run(root, april)  # the month run again: the board's proposal stays
    assert len(list(folder.glob("danh-sach-de-nghi-khen-thuong-dot-xuat-*.docx"))) == 1
    # a second proposal in the month is a second tờ trình, the first kept
    other = str(listed["name"].iloc[0])
    again = CliRunner().invoke(main, ["propose", "-w", str(root), "--month", april, "--chon", other])
    assert again.exit_code == 0, again.output
    assert len(list(folder.glob("to-trinh-de-nghi-khen-thuong-dot-xuat-*.docx"))) == 2 and first.exists()
    # the principal's own Giấy khen needs no tờ trình to anyone
    own = CliRunner().invoke(
        main, ["propose", "-w", str(root), "--month", april, "--hinh-thuc", "Giấy khen của Hiệu trưởng"]
    )
    assert own.exit_code == 2 and "Hiệu trưởng tự quyết định" in own.output
    missing = CliRunner().invoke(main, ["propose", "-w", str(root), "--month", april, "--chon", "Không Có Ai"])
    assert missing.exit_code == 2 and "không có trong danh sách" in missing.output
