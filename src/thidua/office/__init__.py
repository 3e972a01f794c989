"""The receiving office's roll-up (SPEC 15): an office workspace (donvi.xlsx of units, thidua.toml's [office]
table, nhan/ for what the units send, output/), the reading of every unit's report through its hidden `_thidua`
sheet, the units × targets frames, the consolidated proposals and the checks no one makes by hand across units.

It sits above the school's pipeline (the demo runs thidua for its fictitious schools) and under the API: it may
import mail (office collect fetches as a school's collect does), pipeline, workspace, writers, counting, intake,
forms, core, excel and system, never the API or the faces."""
