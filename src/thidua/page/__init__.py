"""The local page (SPEC 16): `thidua serve` shows the workspace in the computer's own browser. A face like the
command line: everything it shows or does goes through `thidua.api`. Flask loads only when the page is served."""
