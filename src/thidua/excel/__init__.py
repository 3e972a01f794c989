"""How .xlsx files are made and edited, with no domain knowledge: xlsxwriter helpers (`workbook`), sheets laid out
for print with one estimate of how text wraps (`layout`), large sheet bodies in constant memory (`rowstream`),
package-level edits of a submitted file (`package_patch`) and the fix sheet they add, laid out once for them and
for openpyxl (`fix_sheet`).

May import: the standard library, xlsxwriter, `thidua.errors`. No other thidua package.
"""
