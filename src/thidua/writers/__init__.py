"""Writers: layout only. Each turns a `MonthResult` into one document under output/<YYYY-MM>/ (the dashboard, the
report workbook for the receiving office, the nomination list, the issue report, the return copies,
summary.json) and decides nothing: status, pace, eligibility and round ends are columns of the result.
Shared layout lives in `common` (styles, cells) and `official` (the Nghị định 30/2020 document frame).

May import: core, counting (the result's frames and vocabulary), excel, forms, errors, issues, and
`intake.read` (a return copy of an .xls or .ods is rebuilt from its cells); never another document's writer
(import-linter's independence contract).
"""
