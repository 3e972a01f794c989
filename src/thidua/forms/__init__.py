"""The forms people fill: template fields and header labels (`template_fields`), header recognition
(`headers`), cell values (`cell_values`), the templates written from the plan (`templates`) and the plan
workbook itself (`plan_workbook`).

May import: `thidua.core`, `thidua.errors`, `thidua.issues`, `thidua.excel`, `thidua.intake.guard` (the plan workbook
is untrusted input too). Not pandas, not counting, writers, pipeline or mail.
"""
