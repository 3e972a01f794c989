"""The local page of a receiving office's workspace (SPEC 15, 16): its units for a month (state, date received,
late or missing, issues), the month rolled up, and the roll-up run in the background with its outputs to download.
Everything through `thidua.api` (api.office, api.office_run, api.office_year)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, make_response, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from thidua import api
from thidua.errors import ThiduaError
from thidua.page.charts import units_by_pace
from thidua.page.jobs import OFFICE_STAGES, Job, JobProgress, Jobs

STATE_CLASS = {"Đã gửi": "tot", "Gửi muộn": "cham", "Chưa gửi": "rat-cham"}


class OfficeCache:
    """The office's months rolled up for the page, each kept while donvi.xlsx, thidua.toml and nhan/ stay as
    they were."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.months: dict[str, tuple[tuple[Any, ...], api.OfficeMonth]] = {}

    def fingerprint(self) -> tuple[Any, ...]:
        seen: list[tuple[str, int, int]] = []
        for path in (self.root / "donvi.xlsx", self.root / "thidua.toml"):
            if path.is_file():
                stat = path.stat()
                seen.append((str(path), stat.st_mtime_ns, stat.st_size))
        for folder, dirs, files in os.walk(self.root / "nhan"):
            dirs.sort()
            for name in sorted(files):
                stat = os.stat(os.path.join(folder, name))
                seen.append((os.path.join(folder, name), stat.st_mtime_ns, stat.st_size))
        return tuple(seen)

    def month(self, month: str) -> api.OfficeMonth:
        with self.lock:
            now = self.fingerprint()
            kept = self.months.get(month)
            if kept is not None and kept[0] == now:
                return kept[1]
            computed = api.office(self.root, month)
            self.months[month] = (now, computed)
            return computed


def add_office_pages(app: Flask, root: Path, jobs: Jobs) -> None:
    """The office's routes on the guarded application `create_app` made (token, Host, CSRF, downloads)."""
    from thidua.page.app import _job_context

    cache = OfficeCache(root)

    def asked() -> tuple[api.OfficeYear, str]:
        year = api.office_year(root)
        month = request.values.get("thang", "").strip() or year.shown
        month, _end = api.parse_month(month)
        if month not in year.months:
            raise ThiduaError(
                f"Tháng {api.month_label(month)} nằm ngoài năm học {year.school_year} của thư mục này (từ tháng "
                f"{api.month_label(year.months[0])} đến tháng {api.month_label(year.months[-1])}). Hãy chọn một tháng "
                "trong năm học."
            )
        return year, month

    def header(year: api.OfficeYear, month: str) -> dict[str, Any]:
        return {"m": {"office": year.office, "school_year": year.school_year, "month": month}, "months": year.months}

    @app.get("/")
    def overview() -> str:
        year, month = asked()
        done = cache.month(month)
        units = done.units
        per_unit: dict[str, dict[str, int]] = {}
        for unit, severity in done.issues[["unit", "severity"]].itertuples(index=False):
            counts = per_unit.setdefault(str(unit), {})
            counts[str(severity)] = counts.get(str(severity), 0) + 1
        rows = [
            {
                "code": str(row.code),
                "name": str(row.name),
                "state": str(row.state),
                "received": api.day_label(row.received),
                "deadline": api.day_label(row.deadline),
                "late": bool(row.late),
                "counts": per_unit.get(str(row.code), {}),
            }
            for row in units.itertuples(index=False)
        ]
        paces: dict[str, dict[str, int]] = {}
        for code, pace in done.targets[["code", "pace"]].itertuples(index=False):
            per = paces.setdefault(str(code), {})
            per[str(pace)] = per.get(str(pace), 0) + 1
        chart = units_by_pace(
            [{**total, "counts": paces.get(total["code"], {})} for total in done.summary["totals"]],
            int(done.targets["unit"].nunique()) if len(done.targets) else 0,  # the units whose reports give paces
        )
        issues: list[dict[str, Any]] = []
        for code, name in units[["code", "name"]].itertuples(index=False):
            own = done.issues[done.issues["unit"] == code]
            if len(own):
                issues.append({"code": code, "name": name, "rows": own.to_dict("records")})
        return render_template(
            "office.html",
            page="tong-quan",
            om=done,
            s=done.summary,
            units=rows,
            issues=issues,
            state_class=STATE_CLASS,
            chart=Markup(chart) if done.summary["totals"] else None,  # built from escaped parts
            output_exists=(year.output / month / "summary.json").is_file(),
            **header(year, month),
        )

    @app.get("/ket-qua")
    def outputs() -> str:
        year, month = asked()
        context = _job_context(year.output, jobs.running(), None, month)
        return render_template("office_outputs.html", page="ket-qua", **header(year, month), **context)

    @app.post("/chay")
    def run() -> Response:
        """The roll-up written (`thidua office run`) on a thread; htmx polls /chay/tinh-trang."""
        year, month = asked()
        job = Job("co-quan", month, OFFICE_STAGES)

        def work(progress: JobProgress) -> api.OfficeRan:
            ran = api.office_run(root, month)
            progress.stage(OFFICE_STAGES[0][0])
            return ran

        started = jobs.start(job, work)
        refused = None
        if started is None:
            job = jobs.running() or job
            refused = job.busy
        elif not request.headers.get("HX-Request"):
            started.wait()
        context = _job_context(year.output, job, refused, None)
        status = 409 if refused or job.error else 200
        if request.headers.get("HX-Request"):
            return make_response(render_template("_ran.html", **context), 409 if refused else 200)
        page = render_template("office_outputs.html", page="ket-qua", **header(year, month), **context)
        return make_response(page, status)

    @app.get("/chay/tinh-trang")
    def run_status() -> str:
        year, month = asked()
        job = jobs.current
        return render_template("_ran.html", **_job_context(year.output, job, None, job.month if job else month))
