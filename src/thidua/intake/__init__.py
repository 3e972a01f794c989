"""Intake: every submitted file checked before a parser sees it (`guard`), read once (`read`), repaired
(`repair`), validated cell by cell (`validate`) into plain rows (`collector`).

May import: `thidua.core`, `thidua.forms`, `thidua.excel` (package structure), `thidua.system`, `thidua.errors`,
`thidua.issues`. No pandas or numpy
(pandas loads on a thread while the files are read); not counting, writers, pipeline or mail.
"""
