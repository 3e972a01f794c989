"""How .xlsx files are made and edited, with no domain knowledge: xlsxwriter helpers (`workbook`), large sheet
bodies in constant memory (`rowstream`) and package-level edits of a submitted file (`package_patch`).

May import: the standard library, xlsxwriter, `thidua.errors`. No other thidua package.
"""
