"""The forms people fill: template fields and header labels (`template_fields`), header recognition
(`headers`), cell values (`cell_values`), the templates written from the plan (`templates`) and the plan
workbook's file and sheet names (`plan_sheets`; the workbook itself is read and written by
`thidua.workspace.plan_workbook`).

May import: `thidua.core`, `thidua.errors`, `thidua.issues`, `thidua.excel`. Not pandas, not intake, counting,
writers, pipeline or mail.
"""
