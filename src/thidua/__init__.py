"""thidua: a spreadsheet-driven batch processor for a Vietnamese school's emulation movement."""

__version__ = "0.1.0"
