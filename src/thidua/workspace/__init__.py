"""A school's workspace folder: its paths (`folder`), thidua.toml read and checked once as it opens (`settings`),
`thidua init` (`create`), the embedded default plan from the seed (`default_plan`) and the demo month's fictitious
submissions (`demo`).

May import: core, forms, excel, errors, issues, `thidua.intake` (the reader and its guard, whose limits thidua.toml
sets: the plan workbook is untrusted input too) and `thidua.pipeline.history` (a workspace opens its history).
"""
