"""The demo workspace's figures, target code → (registered, achieved), hand-counted from the demo submissions (see
src/thidua/workspace/demo.py for who did what): what `thidua run` must report for the demo's months."""

from __future__ import annotations

EXPECTED_2022_05 = {
    "TT_LDTT": (1, 1),
    "CD_VMXS": (1, 1),
    "DD_GK": (1, 1),
    "SKKN_HUYEN": (7, 6),  # 8 initiatives named, one only at school level; 20 and 21 co-authored one
    "SKKN_TINH": (2, 2),
    "DDDH_HUYEN": (4, 3),  # 5 registrations, two co-authors of one set; the sa bàn only entered at school level
    "TIET_HOC_YT": (7, 6),  # the 7th lesson is dated June
    "VIDEO_SO": (10, 8),
    "BGDT_BO": (3, 3),
    "CSTDCS": (5, 4),
    "LDTT": (28, 27),  # CSTĐCS count for LĐTT
}
EXPECTED_2021_10 = {
    **EXPECTED_2022_05,
    "TT_LDTT": (1, 0),
    "CD_VMXS": (1, 0),
    "DD_GK": (1, 0),
    "SKKN_HUYEN": (7, 0),
    "SKKN_TINH": (2, 0),
    "DDDH_HUYEN": (4, 0),
    "TIET_HOC_YT": (7, 0),
    "VIDEO_SO": (10, 2),
    "BGDT_BO": (3, 0),
    "CSTDCS": (5, 0),
    "LDTT": (28, 0),
}
