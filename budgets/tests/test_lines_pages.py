"""Budget pages: what each role sees and can do; query counts constant with the data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import services
from budgets.models import BudgetLineYear, ForecastRevision
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.testing import same_markup


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, username="finance1")


@pytest.fixture
def envelope(pmo_user):
    return services.envelope_create(
        actor=pmo_user,
        code="FRN",
        name="Feuille de route",
        first_year=2025,
        last_year=2027,
        sections=[
            {
                "section": "investment",
                "authority": "1000000",
                "payment_credits": {2025: "400000", 2026: "600000"},
            },
            {"section": "operating", "authority": "500000", "payment_credits": {2025: "250000"}},
        ],
    )


@pytest.fixture
def project(manager_user):
    return ProjectFactory(manager=manager_user, status="in_progress")


@pytest.fixture
def line(pmo_user, project, envelope):
    line = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={
            "label": "Licences",
            "section": "investment",
            "nature": "licences",
            "envelope": envelope,
            "external_ref": "INV-1",
        },
        planned={2025: "120000", 2026: "80000"},
    )
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="committed", date=datetime.date(2025, 2, 3), amount="50000"
    )
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 3, 3), amount="20000"
    )
    return line


@pytest.mark.parametrize("role_fixture", ["pmo_user", "finance_user", "manager_user", "committee_user"])
def test_pages_render_for_every_budget_reader(client, request, role_fixture, project, line, envelope):
    client.force_login(request.getfixturevalue(role_fixture))
    for url in (
        reverse("budgets:project_budget", args=[project.pk]),
        reverse("budgets:portfolio_budget"),
        reverse("budgets:envelope_list"),
        reverse("budgets:envelope_detail", args=[envelope.pk]),
        reverse("budgets:funding_list"),
        reverse("budgets:transfer_list"),
        reverse("portfolio:project_detail", args=[project.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("budgets:project_budget", args=[project.pk])).content.decode()
    assert "Licences" in page and "120,000.00" in page


def test_readers_do_not_see_budgets(client, reader_user, project, line):
    client.force_login(reader_user)
    assert client.get(reverse("budgets:project_budget", args=[project.pk])).status_code == 403
    assert client.get(reverse("budgets:portfolio_budget")).status_code == 403
    detail = client.get(reverse("portfolio:project_detail", args=[project.pk])).content.decode()
    assert "Open the budget" not in detail


def test_the_manager_reforecasts_inline(client, manager_user, project, line):
    client.force_login(manager_user)
    year = BudgetLineYear.objects.get(line=line, year=2025)
    url = reverse("budgets:line_year_reforecast", args=[year.pk])
    response = client.post(
        url,
        {"forecast": "130 000,50", "comment": "Licences supplémentaires", "version": year.version},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="budget-region",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Licences supplémentaires" in body  # the history shows it
    year.refresh_from_db()
    assert year.forecast == Decimal("130000.50")
    # A stale form is refused visibly.
    response = client.post(url, {"forecast": "1", "comment": "x", "version": year.version - 1})
    assert response.status_code == 412 or "changed by someone else" in response.content.decode()
    # Without a comment: refused with the reason on the page.
    response = client.post(url, {"forecast": "1", "comment": "", "version": year.version})
    assert response.status_code == 400
    assert ForecastRevision.objects.count() == 1


def test_project_panel_figures(client, pmo_user, project, line):
    client.force_login(pmo_user)
    body = client.get(reverse("portfolio:project_detail", args=[project.pk])).content.decode()
    assert "Open the budget" in body
    assert "€200,000" in body  # planned over all years


def test_portfolio_exports(client, finance_user, project, line):
    client.force_login(finance_user)
    for export in ("envelope", "objective", "directorate", "funding", "cp"):
        response = client.get(reverse("budgets:portfolio_budget"), {"export": export})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_portfolio_filters_offer_any_as_their_empty_choice(client, finance_user, project, line):
    client.force_login(finance_user)
    form = client.get(reverse("budgets:portfolio_budget")).context["form"]
    for name in ("envelope", "objective", "directorate"):
        assert list(form.fields[name].choices)[0][1] == "Any", name


def test_portfolio_filters_options_are_cached_until_one_changes(client, finance_user, envelope, settings):
    """With the shared cache on (production), the envelope, objective and directorate options come from
    the cache until one of them (or an objective's axis) changes."""
    import re

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import Objective, StrategicAxis
    from ppm.models import Directorate

    settings.PILOTIS_USER_CACHE = True
    cache.clear()
    first_axis = StrategicAxis.objects.create(code="A1", name="Axe 1", order=1)
    second_axis = StrategicAxis.objects.create(code="A2", name="Axe 2", order=2)
    Objective.objects.create(axis=first_axis, code="O1", name="Usagers")
    Objective.objects.create(axis=second_axis, code="O2", name="Agents")
    directorate = Directorate.objects.create(code="DSI", name="Direction du numérique")
    client.force_login(finance_user)
    url = reverse("budgets:portfolio_budget")
    options = re.compile(
        r'FROM "(budgets_envelope|portfolio_objective|ppm_directorate)"( INNER JOIN \S+ ON .*)? ORDER'
    )
    token = r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"'

    def page_and_option_queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return re.sub(token, "", page), [
            q["sql"] for q in captured.captured_queries if options.search(q["sql"])
        ]

    page, queries = page_and_option_queries()
    assert "FRN · Feuille de route" in page and "Direction du numérique" in page
    assert page.index("O1 · Usagers") < page.index("O2 · Agents")
    assert len(queries) == 3
    assert page_and_option_queries() == (page, [])

    first_axis.order = 3
    first_axis.save()
    page, _queries = page_and_option_queries()
    assert page.index("O2 · Agents") < page.index("O1 · Usagers")
    envelope.name = "Feuille de route 2"
    envelope.save()
    assert "FRN · Feuille de route 2" in page_and_option_queries()[0]
    directorate.name = "Direction des systèmes"
    directorate.save()
    assert "Direction des systèmes" in page_and_option_queries()[0]
    cache.clear()


def test_french_amounts(client, pmo_user, project, line):
    client.force_login(pmo_user)
    client.cookies["django_language"] = "fr"
    body = client.get(
        reverse("budgets:project_budget", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "120\u202f000,00" in body or "120\xa0000,00" in body or "120 000,00" in body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_portfolio_budget_project_rows_are_the_template_rows(language):
    """The envelope table's project rows are written in Python (budget_leaf_rows): the same markup as the
    template row they replace, escaping and number format included."""
    from decimal import Decimal as D

    from django.template import Context, Template
    from django.utils import translation

    from budgets.selectors import Figures, Group

    figures = Figures(planned=D("1234567.89"), forecast=D("-12.50"), committed=D("0"), paid=D("1000"))
    projects = [
        Group(key=7, label='P-1 · <script>"Écoles" & co</script>', figures=figures),
        Group(key=12, label="P-2 · Collèges", figures=Figures()),
    ]
    template_row = Template(
        "{% load budgets_money %}{% for project in projects %}"
        '<tr class="budget-leaf"><th scope="row"><a href="{% url \'budgets:project_budget\' project.key %}">'
        '{{ project.label }}</a></th><td class="num">{{ project.figures.planned|amount }}</td>'
        '<td class="num">{{ project.figures.forecast|amount }}</td><td class="num">'
        '{{ project.figures.committed|amount }}</td><td class="num">{{ project.figures.paid|amount }}</td>'
        '<td class="num">{{ project.figures.remaining|amount }}</td></tr>'
        "{% if not forloop.last %}\n{% endif %}"
        "{% endfor %}"
    )
    tag = Template("{% load budgets_money %}{% budget_leaf_rows projects %}")
    with translation.override(language):
        expected = template_row.render(Context({"projects": projects}))
        assert tag.render(Context({"projects": projects})) == expected
    assert "&lt;script&gt;" in expected


# The fundings table's rows before they were written in Python ({% budget_funding_rows %}).
FUNDING_ROWS_TEMPLATE = """{% load budgets_money %}{% for row in rows %}<tr><th scope="row"><a href="{% url 'budgets:funding_detail' row.funding.pk %}">{{ row.funding.name }}</a> <span class="muted">{{ row.funding.get_kind_display }}</span></th><td class="num">{{ row.funding.amount|amount }}</td><td class="num">{{ row.allocated|amount }}</td><td class="num">{{ row.committed|amount }}</td><td class="num">{{ row.paid|amount }}</td><td class="num">{{ row.still_to_justify|amount }}</td><td>{{ row.funding.justify_by|date:"SHORT_DATE_FORMAT"|default:"—" }}</td></tr>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_funding_rows_are_the_template_rows(language):
    """The fundings table's rows are written in Python (budget_funding_rows): the same markup as the
    template row they replace, escaping, kinds, number and date formats included."""
    from decimal import Decimal as D

    from django.template import Context, Template
    from django.utils import translation

    from budgets.models import FundingSource
    from budgets.selectors import FundingRow

    rows = [
        FundingRow(
            FundingSource(pk=3, name='<b>"FEDER"</b> & l\'État', kind="eu", amount=D("1234567.89")),
            allocated=D("1000.50"),
            committed=D("0"),
            paid=D("2000000.00"),
        ),
        FundingRow(
            FundingSource(
                pk=14, name="Région", kind="region", amount=D("10"), justify_by=datetime.date(2027, 6, 30)
            ),
            allocated=D("-12.25"),
        ),
    ]
    template_rows = Template(FUNDING_ROWS_TEMPLATE)
    tag = Template("{% load budgets_money %}{% budget_funding_rows rows %}")
    with translation.override(language):
        expected = template_rows.render(Context({"rows": rows}))
        assert same_markup(tag.render(Context({"rows": rows}))) == same_markup(expected)
    assert "&lt;b&gt;&quot;FEDER&quot;&lt;/b&gt; &amp; l" in expected and "—" in expected


# One budget line's year rows before they were written in Python ({% budget_line_years %}).
LINE_YEARS_TEMPLATE = """{% load i18n budgets_money %}{% for row in budget.rows %}      {% for year, ly in row.years.items %}
      <tr>
        {% if forloop.first %}<th scope="rowgroup" rowspan="{{ row.years|length|add:1 }}" class="budget-line__head">
          <span class="budget-line__label">{{ row.line.label }}</span>
          <span class="muted budget-line__meta">{{ row.line.get_section_display }} · {{ row.line.get_nature_display }}{% if row.line.envelope %} · {{ row.line.envelope.code }}{% endif %}{% if row.line.external_ref %} · {{ row.line.external_ref }}{% endif %}</span>
          {% if row.shares %}<span class="budget-line__meta">{% for share in row.shares %}<a href="{% url 'budgets:funding_detail' share.funding_id %}">{{ share.funding.name }}</a> {{ share.share|floatformat:"-2" }} %{% if not forloop.last %}, {% endif %}{% endfor %}</span>{% endif %}
          {% if may_change %}<a href="{% url 'budgets:line_edit' row.line.pk %}" class="budget-line__edit">{% translate "Edit" %}<span class="visually-hidden"> {{ row.line.label }}</span></a>{% endif %}
        </th>{% endif %}
        <td>{{ year }}</td>
        <td class="num">{{ ly.planned|amount }}</td>
        <td class="num{% if ly.forecast > ly.planned %} budget-over{% endif %}" data-forecast="{{ ly.pk }}">{{ ly.forecast|amount }}</td>
        <td class="num">{{ ly.committed|amount }}</td>
        <td class="num">{{ ly.paid|amount }}</td>
        <td class="num">{{ ly.planned|sub_amount:ly.committed|amount }}</td>
        {% if may_forecast %}<td>
          <details class="reforecast"{% if reforecast_target == ly.pk %} open{% endif %}>
            <summary>{% translate "Reforecast" %}<span class="visually-hidden"> {{ row.line.label }} {{ year }}</span></summary>
            <form method="post" action="{% url 'budgets:line_year_reforecast' ly.pk %}" class="reforecast__form"
                  hx-post="{% url 'budgets:line_year_reforecast' ly.pk %}" hx-target="#budget-region" hx-swap="innerHTML">
              {% csrf_token %}
              <input type="hidden" name="version" value="{{ ly.version }}">
              <label for="forecast-{{ ly.pk }}">{% translate "New forecast (€)" %}</label>
              <input id="forecast-{{ ly.pk }}" name="forecast" inputmode="decimal" required value="{{ ly.forecast|amount_plain }}">
              <label for="comment-{{ ly.pk }}">{% translate "Why" %}</label>
              <textarea id="comment-{{ ly.pk }}" name="comment" rows="2" required></textarea>
              <button type="submit" class="button button--small button--primary">{% translate "Save the forecast" %}</button>
            </form>
          </details>
        </td>{% endif %}
      </tr>
      {% endfor %}
{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("rights", [(True, True), (False, False)])
def test_line_year_rows_are_those_the_template_wrote(pmo_user, line, language, rights):

    from django.template import engines
    from django.utils import translation

    from budgets import selectors
    from budgets.tests.factories import FundingSourceFactory

    line.label = "Licences <b>&</b> co"
    line.save()
    services.funding_share_set(
        actor=pmo_user, line=line, funding=FundingSourceFactory(name="État <DSIL>"), share="40"
    )
    budget = selectors.project_budget(line.project)
    may_change, may_forecast = rights
    context = {
        "budget": budget,
        "may_change": may_change,
        "may_forecast": may_forecast,
        "reforecast_target": budget.rows[0].years[2026].pk,
        "csrf_token": "TOKEN",
    }
    written_template = (
        "{% load budgets_money %}{% for row in budget.rows %}"
        "{% budget_line_years row may_change may_forecast reforecast_target %}{% endfor %}"
    )

    with translation.override(language):
        expected = engines["django"].from_string(LINE_YEARS_TEMPLATE).render(context)
        written = engines["django"].from_string(written_template).render(context)
    assert same_markup(written) == same_markup(expected)
    assert "Licences &lt;b&gt;&amp;&lt;/b&gt; co" in written
    assert ("État &lt;DSIL&gt;" in written) and (("TOKEN" in written) is may_forecast)


CURVE_ROWS_TEMPLATE = (
    "{% load budgets_money %}{% for point in curve %}"
    '<tr><th scope="row">{{ point.month|date:"YEAR_MONTH_FORMAT" }}</th>'
    '<td class="num">{{ point.planned|amount }}</td>'
    '<td class="num">{{ point.forecast|amount }}</td><td class="num">{{ point.committed|amount }}</td>'
    '<td class="num">{{ point.paid|amount }}</td></tr>{% endfor %}'
)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_curve_rows_are_those_the_template_wrote(line, language):
    from django.template import engines
    from django.utils import translation

    from budgets import selectors

    curve = selectors.s_curve(line.project)
    assert len(curve) >= 12
    with translation.override(language):
        expected = engines["django"].from_string(CURVE_ROWS_TEMPLATE).render({"curve": curve})
        written = (
            engines["django"]
            .from_string("{% load budgets_money %}{% curve_rows curve %}")
            .render({"curve": curve})
        )
    assert written == expected


def test_portfolio_envelope_table_brings_a_sections_projects_on_demand(client, pmo_user, line, envelope):
    client.force_login(pmo_user)
    url = reverse("budgets:portfolio_budget")
    project_url = reverse("budgets:project_budget", args=[line.project.pk])
    page = client.get(url).content.decode()
    key = f"{envelope.pk}-investment"
    # The section's total is there, its project row is not: a link brings it.
    assert f'hx-get="?rows={key}"' in page and f'href="?expand={key}#by-envelope"' in page
    assert "Show its project (" in page, page[page.find("budget-more") :][:400]
    assert f'href="{project_url}"' not in page.split('id="by-objective"')[0]
    rows = client.get(url, {"rows": key}, HTTP_HX_REQUEST="true").content.decode()
    assert rows.startswith('<tr class="budget-leaf">') and f'href="{project_url}"' in rows
    expanded = client.get(url, {"expand": key}).content.decode()
    assert f'href="{project_url}"' in expanded.split('id="by-objective"')[0]
    assert client.get(url, {"rows": "0-nothing"}).status_code == 404
    # Filters are kept in the links.
    filtered = client.get(url, {"year": "2025"}).content.decode()
    assert f"?year=2025&amp;rows={key}" in filtered


# The group tables' loop before it was written in Python ({% budget_group_rows %}).
GROUP_ROWS_TEMPLATE = """{% load i18n budgets_money %}
    {% for group in groups %}
    <tbody>
      <tr class="budget-group"><th scope="row">{% if nested and group.key %}<a href="{% url 'budgets:envelope_detail' group.key %}">{{ group.label }}</a>{% else %}{{ group.label|default:_("(none)") }}{% endif %}</th>{% if objectives %}<td class="num">{{ group.extra.projects }}{% if group.extra.shared %} <span title="{% translate 'shared with another objective' %}">({{ group.extra.shared }} ⁂)</span>{% endif %}</td>{% endif %}<td class="num">{{ group.figures.planned|amount }}</td><td class="num">{{ group.figures.forecast|amount }}</td><td class="num">{{ group.figures.committed|amount }}</td><td class="num">{{ group.figures.paid|amount }}</td><td class="num">{{ group.figures.remaining|amount }}</td></tr>
      {% if nested %}{% for section in group.children %}
      <tr class="budget-subgroup"><th scope="row">{{ section.label }}</th><td class="num">{{ section.figures.planned|amount }}</td><td class="num">{{ section.figures.forecast|amount }}</td><td class="num">{{ section.figures.committed|amount }}</td><td class="num">{{ section.figures.paid|amount }}</td><td class="num">{{ section.figures.remaining|amount }}</td></tr>
      {% if section.extra.expanded %}{% budget_leaf_rows section.children %}{% elif section.projects %}<tr class="budget-more"><td colspan="6"><a href="?{{ query }}{% if query %}&amp;{% endif %}expand={{ section.extra.rows_key }}#{{ anchor }}" hx-get="?{{ query }}{% if query %}&amp;{% endif %}rows={{ section.extra.rows_key }}" hx-target="closest tr" hx-swap="outerHTML">{% blocktranslate with label=section.label count n=section.projects %}Show its project ({{ label }}){% plural %}Show its {{ n }} projects ({{ label }}){% endblocktranslate %}</a></td></tr>{% endif %}
      {% endfor %}{% endif %}
    </tbody>
    {% endfor %}
"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_portfolio_group_rows_are_the_template_rows(language):
    """The group tables of the portfolio budget (envelope → section, objective, directorate) are written
    in Python: the same markup as the template loop they replace, escaping, plurals and numbers included."""
    from decimal import Decimal as D

    from django.template import engines
    from django.utils import translation

    from budgets.selectors import Figures, Group

    figures = Figures(planned=D("1234567.89"), forecast=D("-12.50"), committed=D("0"), paid=D("1000"))
    leaf = Group(key=7, label='P-1 · <script>"x"</script>', figures=figures)
    sections = [
        Group(key="investment", label="Investissement <b>", figures=figures, projects=1, children=[leaf]),
        Group(key="operating", label="Fonctionnement", figures=Figures(), projects=1234),
        Group(key="other", label="Vide", figures=Figures(), projects=0),
    ]
    sections[0].extra.update(rows_key="3-investment", expanded=True)
    sections[1].extra.update(rows_key="3-operating", expanded=False)
    sections[2].extra.update(rows_key="3-other", expanded=False)
    envelopes = [
        Group(key=3, label="FRN · Feuille & route", figures=figures, children=sections),
        Group(key=None, label="", figures=Figures(), children=[]),
    ]
    objectives = [
        Group(key=1, label="O1 · L'objectif", figures=figures, extra={"projects": 1500, "shared": 2}),
        Group(key=2, label="O2 · Autre", figures=figures, extra={"projects": 1, "shared": 0}),
        Group(key=None, label="", figures=Figures(), extra={"projects": 3, "shared": 0}),
    ]
    directorates = [
        Group(key=5, label="DSI <x>", figures=figures),
        Group(key=None, label="", figures=figures),
    ]
    template = engines["django"].from_string(GROUP_ROWS_TEMPLATE)
    written = engines["django"].from_string(
        "{% load budgets_money %}\n    {% budget_group_rows groups nested=nested objectives=objectives"
        " query=query anchor=anchor %}\n"
    )
    cases = [
        {"groups": envelopes, "nested": True, "query": 'year=2025&status=x"', "anchor": "by-envelope"},
        {"groups": envelopes, "nested": True, "query": "", "anchor": "by-envelope"},
        {"groups": objectives, "objectives": True, "query": "", "anchor": "by-objective"},
        {"groups": directorates, "query": "a=1", "anchor": "by-directorate"},
    ]
    with translation.override(language):
        for context in cases:
            expected = template.render(context)
            assert written.render(context) == expected
    assert "&lt;script&gt;" in expected or "DSI &lt;x&gt;" in expected


def test_transfer_selects_from_plain_rows_are_the_model_selects(pmo_user, project, line):
    """The budget tab's transfer selects list every line year from (pk, label) rows: the same options as
    the model instances' labels ("line · year"), the chosen one selected."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from budgets.lines_forms import TransferForm
    from ppm.forms import plain_model_choices

    services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": 'Études <"x">', "section": "operating", "nature": "studies"},
        planned={2026: "10"},
    )
    line_years = BudgetLineYear.objects.filter(line__project=project).order_by("line__label", "year")
    chosen = line_years[1]
    for data in (None, {"source": str(chosen.pk), "target": str(chosen.pk)}):
        model_form, plain_form = (
            TransferForm(data, line_years=line_years),
            TransferForm(data, line_years=line_years),
        )
        for name in ("source", "target"):
            plain_model_choices(
                plain_form.fields[name], label=Concat("line__label", Value(" · "), Cast("year", CharField()))
            )
            assert str(plain_form[name]) == str(model_form[name])
        assert "Études &lt;&quot;x&quot;&gt; · 2026" in str(plain_form["source"])


def test_a_line_is_deleted_from_its_page_or_the_page_says_why_not(client, pmo_user, project, line):
    from budgets.models import BudgetLine

    client.force_login(pmo_user)
    page = client.get(reverse("budgets:line_edit", args=[line.pk])).content.decode()
    assert "Delete the line" in page and "data-confirm=" in page
    # The fixture's line has execution: refused, the message says why, nothing deleted.
    refused = client.post(
        reverse("budgets:line_delete", args=[line.pk]), {"version": line.version}, follow=True
    )
    assert "cannot be deleted" in refused.content.decode() and "committed or paid" in refused.content.decode()
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    mistake = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": "Typo", "section": "operating", "nature": "studies", "envelope": None},
    )
    stale = client.post(reverse("budgets:line_delete", args=[mistake.pk]), {"version": mistake.version - 1})
    assert stale.status_code == 302 and BudgetLine.objects.filter(pk=mistake.pk).exists()
    done = client.post(
        reverse("budgets:line_delete", args=[mistake.pk]), {"version": mistake.version}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("budgets:project_budget", args=[project.pk])
    assert "Budget line “Typo” deleted." in done.content.decode()
    assert not BudgetLine.objects.filter(pk=mistake.pk).exists()
