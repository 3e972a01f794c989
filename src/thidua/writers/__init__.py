"""Writers: the last stage before mail. Each turns a `MonthResult` into one formatted workbook under
output/<YYYY-MM>/ (dashboard, submission for PGD, issue report) and computes nothing of its own."""
