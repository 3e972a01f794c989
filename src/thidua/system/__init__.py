"""Operating-system edges with no domain knowledge: worker processes and stop signals (`processes`), the log of
thidua's own failures (`log`).

May import: the standard library and `thidua.errors` only.
"""
