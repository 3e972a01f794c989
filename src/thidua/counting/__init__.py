"""Counting, with pandas: the record frames (`frames`), the month's cut and resubmissions (`merge`), the one
counting function and every judgement the documents print (`measure`, `judgements`), the rule packs and their
checks (`rules`, `rulepacks/`).

May import: `thidua.core`, `thidua.forms` (vocabulary of the forms), `thidua.intake.collector` (the rows it
hands over), `thidua.errors`, `thidua.issues`, pandas, numpy. Writes nothing: not writers, pipeline, mail or
the workspace.
"""
