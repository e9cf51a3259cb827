"""Money in templates: `{% load budgets_money %}{{ amount|euros }}` (localised, see budgets.money)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.money import format_money, format_number, number_formatter
from ppm.lists import url_pattern

register = template.Library()


@register.filter
def euros(value):
    """« 1 234,50 € » / « €1,234.50 »; empty for None."""
    if value is None or value == "":
        return ""
    return format_money(Decimal(value))


@register.filter
def euros_round(value):
    """Whole euros (dashboards): « 1 235 € » / « €1,235 »."""
    if value is None or value == "":
        return ""
    return format_money(Decimal(value), decimals=0)


@register.filter
def amount(value):
    """The number alone, localised with two decimals (tables with a € column header)."""
    if value is None or value == "":
        return ""
    return format_number(Decimal(value))


@register.filter
def amount_plain(value):
    """The number as typed back in a form field: localised decimal separator, no grouping."""
    if value is None or value == "":
        return ""
    return format_number(Decimal(value), grouping=False)


@register.filter
def sub_amount(value, other):
    """value − other (Decimal)."""
    return Decimal(value or 0) - Decimal(other or 0)


_FIGURES = ("planned", "forecast", "committed", "paid", "remaining")


@register.simple_tag
def budget_leaf_rows(projects) -> SafeString:
    """The project rows of the portfolio budget's envelope table, written in Python: the page lists every
    project of every section (2,000 rows and 10,000 amounts over the benchmark's portfolio), which the
    template language takes ~100 ms to draw. The same markup as a template row would give."""
    url = url_pattern("budgets:project_budget")
    number = number_formatter()
    rows = []
    for project in projects:
        figures = project.figures
        values = (getattr(figures, name) for name in _FIGURES)
        cells = "".join(
            f'<td class="num">{"" if value is None else escape(number(value))}</td>' for value in values
        )
        rows.append(
            f'<tr class="budget-leaf"><th scope="row"><a href="{url.format(int(project.key))}">'
            f"{escape(project.label)}</a></th>{cells}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped


def _group_cells(figures, number) -> str:
    return "".join(f'<td class="num">{escape(number(getattr(figures, name)))}</td>' for name in _FIGURES)


@register.simple_tag
def budget_group_rows(groups, *, nested=False, objectives=False, query="", anchor="") -> SafeString:
    """The <tbody> of each group of a portfolio budget table (by envelope → section, by objective, by
    directorate), written in Python: ~70 rows of five amounts that the template language took ~10 ms to
    draw. The same markup as the template loop it replaces (budgets/partials/lines_group_table.html)."""
    number = number_formatter()
    envelope_url = url_pattern("budgets:envelope_detail")
    query = escape(str(query))
    joiner = "&amp;" if query else ""
    anchor = escape(str(anchor))
    none = escape(_("(none)"))
    shared_title = escape(_("shared with another objective"))
    parts = []
    for group in groups:
        if nested and group.key:
            head = f'<a href="{envelope_url.format(int(group.key))}">{escape(str(group.label))}</a>'
        else:
            head = escape(str(group.label)) if group.label else none
        count = ""
        if objectives:
            shared = group.extra.get("shared")
            count = f'<td class="num">{escape(str(localize(group.extra.get("projects", ""))))}'
            if shared:
                count += f' <span title="{shared_title}">({escape(str(localize(shared)))} ⁂)</span>'
            count += "</td>"
        sections = []
        if nested:
            for section in group.children:
                label = escape(str(section.label))
                more: str
                if section.extra.get("expanded"):
                    more = budget_leaf_rows(section.children)
                elif section.projects:
                    key = escape(str(section.extra.get("rows_key", "")))
                    text = ngettext(
                        "Show its project (%(label)s)",
                        "Show its %(n)s projects (%(label)s)",
                        section.projects,
                    ) % {"label": label, "n": escape(str(localize(section.projects)))}
                    more = (
                        '<tr class="budget-more"><td colspan="6">'
                        f'<a href="?{query}{joiner}expand={key}#{anchor}" hx-get="?{query}{joiner}rows={key}"'
                        f' hx-target="closest tr" hx-swap="outerHTML">{text}</a></td></tr>'
                    )
                else:
                    more = ""
                sections.append(
                    f'\n      <tr class="budget-subgroup"><th scope="row">{label}</th>'
                    f"{_group_cells(section.figures, number)}</tr>\n      {more}\n      "
                )
        parts.append(
            f'\n    <tbody>\n      <tr class="budget-group"><th scope="row">{head}</th>{count}'
            f"{_group_cells(group.figures, number)}</tr>\n      {''.join(sections)}\n    </tbody>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def budget_funding_rows(rows) -> SafeString:
    """The rows of the fundings table (portfolio budget page, fundings list), written in Python: a link, a
    kind, five amounts and a date a row, which the template language took ~3 ms to draw for twenty
    fundings. The same markup as the template row it replaces (budgets/partials/lines_funding_table.html)."""
    number = number_formatter()
    url = url_pattern("budgets:funding_detail")
    parts = []
    for row in rows:
        funding = row.funding
        cells = "".join(
            f'<td class="num">{"" if value is None else escape(number(value))}</td>'
            for value in (funding.amount, row.allocated, row.committed, row.paid, row.still_to_justify)
        )
        parts.append(
            f'<tr><th scope="row"><a href="{url.format(int(funding.pk))}">{escape(funding.name)}</a>'
            f' <span class="muted">{escape(str(funding.get_kind_display()))}</span></th>{cells}'
            f"<td>{escape(date_filter(funding.justify_by, 'SHORT_DATE_FORMAT') or '—')}</td></tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def budget_line_years(context, row, may_change, may_forecast, reforecast_target) -> SafeString:
    """The year rows of one budget line on the project's budget tab (its head cell, amounts and
    reforecast form), written in Python: a project of twenty lines over four years drew 80 such rows,
    each with two links, five amounts and a form, through the template language. Same markup."""
    # Read once per rendering of the table, not once per line: the formatters and the URL patterns.
    tools = context.render_context.get(budget_line_years)
    if tools is None:
        tools = context.render_context[budget_line_years] = (
            number_formatter(),
            number_formatter(grouping=False),
            url_pattern("budgets:line_year_reforecast"),
            url_pattern("budgets:funding_detail"),
            url_pattern("budgets:line_edit"),
            {  # literal gettext calls, for makemessages
                "Edit": escape(_("Edit")),
                "Reforecast": escape(_("Reforecast")),
                "New forecast (€)": escape(_("New forecast (€)")),
                "Why": escape(_("Why")),
                "Save the forecast": escape(_("Save the forecast")),
            },
        )
    number, plain, reforecast_url, funding_url, edit_url, words = tools
    csrf = escape(str(context.get("csrf_token", "")))
    line = row.line
    label = escape(line.label)
    years = row.years
    parts = []
    for index, (year, ly) in enumerate(years.items()):
        cells = []
        if index == 0:
            meta = f"{escape(str(line.get_section_display()))} · {escape(str(line.get_nature_display()))}"
            if line.envelope:
                meta += f" · {escape(line.envelope.code)}"
            if line.external_ref:
                meta += f" · {escape(line.external_ref)}"
            head = (
                f'<th scope="rowgroup" rowspan="{len(years) + 1}" class="budget-line__head">'
                f'<span class="budget-line__label">{label}</span>'
                f'<span class="muted budget-line__meta">{meta}</span>'
            )
            if row.shares:
                shares = ", ".join(
                    f'<a href="{funding_url.format(int(share.funding_id))}">'
                    f"{escape(share.funding.name)}</a> {escape(str(floatformat(share.share, '-2')))} %"
                    for share in row.shares
                )
                head += f'<span class="budget-line__meta">{shares}</span>'
            if may_change:
                head += (
                    f'<a href="{edit_url.format(int(line.pk))}" class="budget-line__edit">'
                    f'{words["Edit"]}<span class="visually-hidden"> {label}</span></a>'
                )
            cells.append(head + "</th>")
        over = " budget-over" if ly.forecast > ly.planned else ""
        remaining = Decimal(ly.planned or 0) - Decimal(ly.committed or 0)
        cells.append(
            f"<td>{escape(str(year))}</td>"
            f'<td class="num">{number(ly.planned)}</td>'
            f'<td class="num{over}" data-forecast="{int(ly.pk)}">{number(ly.forecast)}</td>'
            f'<td class="num">{number(ly.committed)}</td>'
            f'<td class="num">{number(ly.paid)}</td>'
            f'<td class="num">{number(remaining)}</td>'
        )
        if may_forecast:
            url = reforecast_url.format(int(ly.pk))
            pk = int(ly.pk)
            opened = " open" if reforecast_target == ly.pk else ""
            cells.append(
                f'<td><details class="reforecast"{opened}><summary>{words["Reforecast"]}'
                f'<span class="visually-hidden"> {label} {escape(str(year))}</span></summary>'
                f'<form method="post" action="{url}" class="reforecast__form" hx-post="{url}" '
                'hx-target="#budget-region" hx-swap="innerHTML">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
                f'<input type="hidden" name="version" value="{int(ly.version)}">'
                f'<label for="forecast-{pk}">{words["New forecast (€)"]}</label>'
                f'<input id="forecast-{pk}" name="forecast" inputmode="decimal" required '
                f'value="{"" if ly.forecast is None else escape(plain(ly.forecast))}">'
                f'<label for="comment-{pk}">{words["Why"]}</label>'
                f'<textarea id="comment-{pk}" name="comment" rows="2" required></textarea>'
                f'<button type="submit" class="button button--small button--primary">'
                f"{words['Save the forecast']}</button></form></details></td>"
            )
        parts.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def curve_rows(curve) -> SafeString:
    """The S-curve's data table rows (a month × four cumulative amounts), written in Python."""
    number = number_formatter()

    def cell(value) -> str:
        return f'<td class="num">{"" if value is None else escape(number(value))}</td>'

    return mark_safe(  # noqa: S308 - every value is formatted by us and escaped
        "".join(
            f'<tr><th scope="row">{escape(date_format(point.month, "YEAR_MONTH_FORMAT"))}</th>'
            f"{cell(point.planned)}{cell(point.forecast)}{cell(point.committed)}{cell(point.paid)}</tr>"
            for point in curve
        )
    )
