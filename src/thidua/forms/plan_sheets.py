"""Where the plan lives: the plan workbook's file name and its sheets' names, which issues about the plan name
(the workbook itself is read and written by `thidua.workspace.plan_workbook`)."""

PLAN_FILE = "kehoach.xlsx"
SHEET_INFO = "Thông tin chung"
SHEET_TARGETS = "Chỉ tiêu"
SHEET_ROUNDS = "Đợt thi đua"
SHEET_COLLECTIVE = "Tập thể"
SHEET_ROSTER = "Danh sách CBGVNV"
