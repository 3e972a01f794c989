"""`python -m thidua` runs the command line."""

from thidua.cli import main

main(prog_name="thidua")
