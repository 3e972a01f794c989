"""Operating-system edges with no domain knowledge: worker processes and stop signals (`processes`).

May import: the standard library and `thidua.errors` only.
"""
