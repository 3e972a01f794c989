"""A school's workspace folder: its paths and settings (`folder`), `thidua init` (`create`), the embedded
default plan from the seed (`default_plan`) and the demo month's fictitious submissions (`demo`).

May import: core, forms, excel, errors, issues, and `thidua.pipeline.history` (a workspace opens its history).
"""
