"""The funnel per blog post at /admin/funnel: the page, its chart and its CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leadgen.admin import audit, chart, export, formats
from leadgen.admin.forms import FunnelExportForm, FunnelFields, FunnelForm
from leadgen.admin.views import bp
from leadgen.extensions import db
from leadgen.funnel import report

DEFAULT_DAYS = 30
CHART_GROUPS = 8  # the chart shows the first rows; the table below it shows them all
# The export's header, Dutch like the lead export's: (header, what to write).
CSV_STEPS = [
    ("Weergaven", "views", None),
    ("Aanvragen", "requests", "Aanvragen per weergave"),
    ("Downloads", "downloads", "Downloads per aanvraag"),
    ("Afspraken", "appointments", "Afspraken per aanvraag"),
    ("Patiënten", "patients", "Patiënten per aanvraag"),
]


def period(form: FunnelFields, today: date) -> tuple[date, date]:
    """The chosen days; without a choice, the last 30 days up to today."""
    last = form.date_to.data or max(today, form.date_from.data or today)
    first = form.date_from.data or last - timedelta(days=DEFAULT_DAYS - 1)
    return first, last


def report_for(form: FunnelFields) -> report.Funnel:
    first, last = period(form, report.practice_today())
    return report.funnel(first, last, form.per.data or "post", report.practice_zone())


def chart_for(funnel: report.Funnel) -> chart.FunnelChart:
    counts = [{step: getattr(row, step) for step in report.STEPS} for row in funnel.rows]
    return chart.funnel_chart(counts[:CHART_GROUPS], report.STEPS)


@bp.get("/funnel")
def funnel():
    form = FunnelForm(formdata=request.args)
    if not form.validate():
        return render_template("admin/funnel.html", form=form, data=None), 422
    data = report_for(form)
    return render_template(
        "admin/funnel.html",
        form=form,
        data=data,
        chart=chart_for(data),
        export_form=FunnelExportForm(formdata=None),
        export_params=form.params(),
    )


@bp.post("/funnel.csv")
def funnel_csv():
    form = FunnelExportForm()
    if not form.validate():
        flash(_("De export kon niet worden gemaakt: controleer de periode."), "error")
        return redirect(url_for("admin.funnel", **form.params()), code=303)
    data = report_for(form)
    audit.record(
        "export_funnel",
        current_user.id,
        filter={"date_from": data.first.isoformat(), "date_to": data.last.isoformat()},
        via="web",
    )
    db.session.commit()
    name = f"funnel-{data.first:%Y%m%d}-{data.last:%Y%m%d}.csv"
    return Response(
        csv_chunks(data),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_chunks(data: report.Funnel) -> Iterator[str]:
    """The funnel as the lead export writes CSV: per row the counts, each with its rate."""
    headers = ["Blogpost", "Campagne"]
    for header, _step, rate_header in CSV_STEPS:
        headers += [header, rate_header] if rate_header else [header]
    grouped_on_post = data.grouping in ("post", "beide")
    grouped_on_campaign = data.grouping in ("campagne", "beide")

    def line(row: report.Row, post: str, campaign: str) -> list[str]:
        cells = [post, campaign]
        for _header, step, rate_header in CSV_STEPS:
            cells.append(str(getattr(row, step)))
            if rate_header:
                cells.append(_csv_percent(row.rate(step)))
        return cells

    rows = [
        line(
            row,
            (row.source or "(onbekend)") if grouped_on_post else "(alle)",
            (row.campaign or "(geen)") if grouped_on_campaign else "(alle)",
        )
        for row in data.rows
    ]
    rows.append(line(data.total, "Totaal", ""))
    return export.csv_document(headers, [rows])


def _csv_percent(share: float | None) -> str:
    return "" if share is None else formats.percent(share, locale="nl")
