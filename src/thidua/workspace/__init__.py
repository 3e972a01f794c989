"""A school's workspace folder: its paths and lock (`folder`), thidua.toml read and checked once as it opens
(`settings`), `thidua init` (`create`), the plan workbook read and written (`plan_workbook`), the embedded default
plan from the seed (`default_plan`) and the demo month's fictitious submissions (`demo`).

May import: core, forms, excel, errors, issues and `thidua.intake` (the reader and its guard, whose limits
thidua.toml sets: the plan workbook is untrusted input too). Not the pipeline: the history keeps its records in the
file the workspace names (`folder.DB_FILE`).
"""
