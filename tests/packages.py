"""A spreadsheet package (.xlsx, .xlsm) checked as a whole: `check_package(data)` asserts it is well-formed, for the
return copies of tests/test_package_patch.py and the printed forms of tests/test_printing.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from defusedxml import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# ECMA-376 Part 1, CT_Worksheet: the order a worksheet's children must keep.
WORKSHEET_ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]


def check_package(data: bytes) -> None:
    """Every XML part parses, every part has a content type, every internal relationship points at a part,
    and every worksheet keeps the schema's child order."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None  # every member inflates to its recorded size and checksum
        names = package.namelist()
        assert len(names) == len(set(names))
        types = ElementTree.fromstring(package.read("[Content_Types].xml"))
        defaults = {e.get("Extension").lower() for e in types if e.tag.endswith("Default")}
        overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
        for name in names:
            if name.endswith("/"):
                continue
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
            if name.endswith((".xml", ".rels", ".vml")):
                root = ElementTree.fromstring(package.read(name))
                if root.tag == f"{MAIN}worksheet":
                    children = [child.tag.removeprefix(MAIN) for child in root]
                    positions = [WORKSHEET_ORDER.index(child) for child in children]
                    assert positions == sorted(positions), (name, children)
                    data = root.find(f"{MAIN}sheetData")
                    assert data is not None
                    assert {row.tag for row in data} <= {f"{MAIN}row"}, name
                    assert {cell.tag for row in data for cell in row} <= {f"{MAIN}c"}, name
                    rels = PurePosixPath(name).parent / "_rels" / f"{PurePosixPath(name).name}.rels"
                    if str(rels) in names and b"/comments" in package.read(str(rels)):
                        assert "legacyDrawing" in children, name
            if name.endswith(".rels"):
                folder = PurePosixPath(name).parent.parent
                for rel in ElementTree.fromstring(package.read(name)):
                    if rel.get("TargetMode") == "External":
                        continue
                    target = rel.get("Target")
                    resolved = target.lstrip("/") if target.startswith("/") else str(folder / target)
                    parts: list[str] = []
                    for piece in resolved.split("/"):
                        if piece == "..":
                            parts.pop()
                        elif piece not in ("", "."):
                            parts.append(piece)
                    assert "/".join(parts) in names, (name, target)
