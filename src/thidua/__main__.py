"""`python -m thidua` runs the command line."""

from thidua.cli import entry

entry()
