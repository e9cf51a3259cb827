"""What the flash part plugs into the core and the portfolio (called from GovernanceConfig.ready()):
the weather column of the project list, the weather payload extension (roadmap, Gantt, boards), the
project page's panel, the project sheet's panel and the report PDF's job kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _weather_choices():
    from governance.models import Weather

    return [*Weather.choices, ("none", _("No validated report"))]


def _weather_export(project) -> str:
    from governance.models import Weather

    value = getattr(project, "flash_weather", None)
    return str(Weather(value).label) if value else ""


def _weather_cell(row, value):
    """The weather cell, as its template (flash_weather_cell.html) writes it, without a render per row."""
    from governance.templatetags.weather import weather_badge

    return weather_badge(value, "small")


def register() -> None:
    from governance import flash_selectors, flash_tasks, flash_views
    from ppm.reports import ReportKind, report_kind_register
    from ppm.slots import ListFilter, column_register, payload_extension_register, slot_register

    column_register(
        "portfolio.projects",
        "flash_weather",
        _("Weather"),
        annotate=flash_selectors.annotate_weather,
        template="governance/partials/flash_weather_cell.html",
        sort_field="flash_weather_rank",
        filter=ListFilter("weather", _("Weather"), _weather_choices, flash_selectors.filter_by_weather),
        export=_weather_export,
        order=10,
        render=_weather_cell,
    )
    payload_extension_register("weather", flash_selectors.latest_weather_by_project)
    slot_register(
        "project.side",
        "governance/partials/flash_project_panel.html",
        context=flash_views.project_panel_context,
        order=20,
        lazy=True,
    )
    slot_register(
        "project.sheet",
        "governance/partials/flash_sheet_panel.html",
        context=flash_views.sheet_panel_context,
        order=20,
    )
    report_kind_register(
        ReportKind(
            name=flash_views.PDF_KIND,
            task=flash_tasks.render_flash_report_pdf,
            can_view=flash_views.pdf_job_can_view,
            prepare=flash_views.pdf_job_prepare,
            label=_("Flash report (PDF)"),
            content_type="application/pdf",
        )
    )
