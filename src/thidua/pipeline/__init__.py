"""The month's run: read → validate → merge → measure → write, one state committed at once (`batch`), and the
monthly history in SQLite (`history`).

May import every stage below it: core, forms, intake, counting, writers, excel, system, workspace.
"""
