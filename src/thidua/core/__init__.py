"""The domain, pure: the plan's dataclasses (`plan`), closed vocabularies (`vocabulary`), the school year and its
months (`calendar`), text keys (`text`) and legacy Vietnamese encodings (`legacy_fonts`).

May import: the standard library and `thidua.errors` only. No I/O, no pandas or numpy, no other thidua package.
"""
