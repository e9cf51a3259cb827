"""Pages of agreements, orders and costing: what people see and do, and their query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets import contracts
from budgets.models import BudgetLineYear, FrameworkAgreement, Order, OrderStatus
from budgets.tests.factories import (
    AgreementPriceFactory,
    BudgetLineFactory,
    FrameworkAgreementFactory,
    OrderFactory,
)
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes, page_with_lazy_panels

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="fin1")


@pytest.fixture
def setup():
    today = timezone.localdate()
    agreement = FrameworkAgreementFactory(
        reference="AC-DEV",
        start=today - timedelta(days=400),
        end=today + timedelta(days=100),
        ceiling=D("100000.00"),
    )
    price = AgreementPriceFactory(
        agreement=agreement,
        code="DEV",
        label="Développeur·se",
        unit_price=D("620.00"),
        valid_from=today - timedelta(days=400),
    )
    project = ProjectFactory(status="in_progress")
    line = BudgetLineFactory(project=project, label="Prestations")
    return agreement, price, project, line


def test_order_created_on_the_page_then_signed_moves_committed_and_consumption(client, finance, setup):
    agreement, price, project, line = setup
    client.force_login(finance)
    today = timezone.localdate()
    response = client.post(
        reverse("budgets:order_create"),
        {
            "title": "Sprint 1",
            "agreement": agreement.pk,
            "budget_line": line.pk,
            "ordered_on": today.isoformat(),
            "line_price_1": str(price.pk),
            "line_quantity_1": "12.5",
            "line_price_2": "",
            "line_quantity_2": "",
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "budgets:order_detail", args=[order.pk]
    )
    assert order.amount == D("7750.00") and order.status == OrderStatus.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "€7,750.00" in page and "Sign" in page
    response = client.post(
        reverse("budgets:order_transition", args=[order.pk]),
        {"action": "sign", "version": order.version, "on": today.isoformat()},
    )
    assert response.status_code == 302
    assert BudgetLineYear.objects.get(line=line, year=today.year).committed == D("7750.00")
    listing = client.get(reverse("budgets:agreement_list")).content.decode()
    assert "7.8" in listing and "AC-DEV" in listing  # 7.75 % → "7.8 %"
    project_page = page_with_lazy_panels(client, reverse("portfolio:project_detail", args=[project.pk]))
    assert "Orders and workload cost" in project_page and order.number in project_page


def test_sign_refused_over_the_ceiling_shows_why(client, finance, setup):
    agreement, price, project, line = setup
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=line,
        title="Big",
        lines=[{"price": price.pk, "quantity": "200"}],
    )
    client.force_login(finance)
    page = client.get(reverse("budgets:order_detail", args=[order.pk])).content.decode()
    assert "over its ceiling" in page
    response = client.post(
        reverse("budgets:order_transition", args=[order.pk]),
        {"action": "sign", "version": order.version},
        follow=True,
    )
    assert "over its ceiling of €100,000.00" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_french_amounts(client, finance, setup):
    agreement, price, project, line = setup
    client.force_login(finance)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("budgets:agreement_detail", args=[agreement.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "100\u00a0000,00\u00a0€" in page.content.decode()


def test_invoice_form_records_a_payment(client, finance, setup):
    agreement, price, project, line = setup
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=line,
        title="T",
        lines=[{"price": price.pk, "quantity": "2"}],
    )
    order = contracts.order_transition(actor=None, order=order, action="sign")
    client.force_login(finance)
    today = timezone.localdate()
    client.post(
        reverse("budgets:order_transition", args=[order.pk]),
        {"action": "invoice", "version": order.version, "amount": "1000,50", "on": today.isoformat()},
    )
    order.refresh_from_db()
    assert order.invoiced == D("1000.50") and order.status == OrderStatus.INVOICED
    response = client.post(
        reverse("budgets:order_transition", args=[order.pk]),
        {"action": "invoice", "version": order.version, "amount": "1e400"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.invoiced == D("1000.50")
    assert "too large" in response.content.decode() or "amount" in response.content.decode()


def test_agreement_create_page(client, finance):
    from resources.tests.factories import VendorFactory

    vendor = VendorFactory()
    client.force_login(finance)
    response = client.post(
        reverse("budgets:agreement_create"),
        {
            "reference": "AC-NEW",
            "title": "New",
            "vendor": vendor.pk,
            "start": "2025-01-01",
            "end": "2026-12-31",
            "max_renewals": "1",
            "renewals": "0",
            "renewal_months": "12",
            "ceiling": "1 000 000,00",
            "minimum": "",
            "alert_thresholds": "70, 90",
            "expiry_alert_months": "6",
            "lots": "1; Dev; 600000\n2; TMA",
            "notes": "",
        },
    )
    agreement = FrameworkAgreement.objects.get(reference="AC-NEW")
    assert response["Location"] == reverse("budgets:agreement_detail", args=[agreement.pk])
    assert agreement.ceiling == D("1000000.00") and agreement.alert_thresholds == [70, 90]
    assert agreement.lots.count() == 2
    bad = client.post(
        reverse("budgets:agreement_create"),
        {
            "reference": "AC-BAD",
            "title": "Bad",
            "vendor": vendor.pk,
            "start": "2025-01-01",
            "end": "2026-12-31",
            "max_renewals": "0",
            "renewals": "0",
            "renewal_months": "12",
            "ceiling": "NaN",
            "alert_thresholds": "95, 80",
            "expiry_alert_months": "6",
        },
    )
    assert bad.status_code == 200 and not FrameworkAgreement.objects.filter(reference="AC-BAD").exists()


def test_price_revision_from_the_page(client, finance, setup):
    agreement, price, project, line = setup
    client.force_login(finance)
    client.post(
        reverse("budgets:agreement_price_add", args=[agreement.pk]),
        {
            "kind": "profile",
            "code": "DEV",
            "label": "",
            "unit_price": "640.00",
            "valid_from": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
    )
    assert agreement.prices.filter(code="DEV").count() == 2


def test_manager_creates_a_draft_on_own_project_only(client, manager_user, setup):
    agreement, price, project, line = setup
    project.manager = manager_user
    project.save()
    other_line = BudgetLineFactory(project=ProjectFactory(status="in_progress"))
    client.force_login(manager_user)
    form_page = client.get(reverse("budgets:order_create")).content.decode()
    assert line.label in form_page and other_line.label not in form_page
    client.post(
        reverse("budgets:order_create"),
        {
            "title": "Mine",
            "agreement": agreement.pk,
            "budget_line": line.pk,
            "ordered_on": timezone.localdate().isoformat(),
            "line_price_1": price.pk,
            "line_quantity_1": "1",
        },
    )
    order = Order.objects.get()
    assert order.created_by == manager_user
    assert (
        client.post(
            reverse("budgets:order_transition", args=[order.pk]), {"action": "sign", "version": 1}
        ).status_code
        == 403
    )


def test_lines_preview_computes_amounts(client, finance, setup):
    agreement, price, project, line = setup
    client.force_login(finance)
    response = client.get(
        reverse("budgets:order_lines_preview"),
        {
            "agreement": agreement.pk,
            "ordered_on": timezone.localdate().isoformat(),
            "line_price_1": price.pk,
            "line_quantity_1": "3",
        },
    )
    assert "€1,860.00" in response.content.decode() and 'hx-swap-oob="true"' in response.content.decode()


def _sign_big_order(agreement, price, line):
    """150 days at the agreement's price, signed: 93 % of its ceiling."""
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=line,
        title="Big",
        lines=[{"price": price.pk, "quantity": "150"}],
    )
    return contracts.order_transition(actor=None, order=order, action="sign")


def test_costing_and_dashboard_tile(client, finance, pmo_user, committee_user, setup):
    agreement, price, project, line = setup
    _sign_big_order(agreement, price, line)
    client.force_login(finance)
    costing = client.get(reverse("budgets:costing")).content.decode()
    assert project.code in costing
    client.force_login(pmo_user)
    dashboard = client.get(reverse("portfolio:dashboard")).content.decode()
    assert "Framework agreements: alerts" in dashboard and "AC-DEV" in dashboard
    client.force_login(committee_user)
    assert "Framework agreements: alerts" not in client.get(reverse("portfolio:dashboard")).content.decode()


def test_dashboard_tile_is_cached_until_an_order_changes(client, pmo_user, setup, settings):
    """With the per-person cache on (production), the tile's alerts come from the cache until an
    agreement or an order changes; each language has its own words."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PILOTIS_USER_CACHE = True
    agreement, price, project, line = setup
    client.force_login(pmo_user)
    url = reverse("portfolio:dashboard")
    assert "(€0.00 committed)" in client.get(url).content.decode()  # nothing ordered yet
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [query for query in queries.captured_queries if "budgets_order" in query["sql"]]
    _sign_big_order(agreement, price, line)
    assert "(€0.00 committed)" not in client.get(url).content.decode()  # the signed order shows at once
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Accords-cadres : alertes" in french and "Se termine le" in french and "Ends on" not in french
    english = client.get(url).content.decode()
    assert "Ends on" in english and "Se termine le" not in english


def test_exports(client, finance, setup):
    agreement, price, project, line = setup
    OrderFactory(agreement=agreement, budget_line=line, title="=HYPERLINK()")
    client.force_login(finance)
    xlsx = client.get(reverse("budgets:agreement_export"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    csv = client.get(reverse("budgets:order_export", args=["csv"])).content.decode("utf-8-sig")
    assert "'=HYPERLINK()" in csv
    assert client.get(reverse("budgets:order_export", args=["pdf"])).status_code == 404


def test_reader_sees_nothing(client, reader_user, setup):
    client.force_login(reader_user)
    assert client.get(reverse("budgets:agreement_list")).status_code == 403
    assert client.get(reverse("budgets:order_list")).status_code == 403


# ----------------------------------------------------------------------------------------- query counts


def _grow_agreements(n: int) -> None:
    for _ in range(n):
        agreement = FrameworkAgreementFactory(start=date(2024, 1, 1), end=date(2030, 12, 31))
        price = AgreementPriceFactory(agreement=agreement, valid_from=date(2024, 1, 1))
        line = BudgetLineFactory(project=ProjectFactory(status="in_progress"))
        order = contracts.order_create(
            actor=None,
            agreement=agreement,
            budget_line=line,
            title="O",
            ordered_on=date(2025, 1, 6),
            lines=[{"price": price.pk, "quantity": "1"}],
        )
        contracts.order_transition(actor=None, order=order, action="sign", on=date(2025, 1, 6))


@pytest.mark.parametrize("url_name", ["budgets:agreement_list", "budgets:order_list", "budgets:costing"])
def test_lists_queries_constant(client, finance, url_name):
    client.force_login(finance)

    def read():
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        marker = {"budgets:costing": 'scope="row"><a href="/projects/'}.get(url_name, "AC-")
        assert marker in response.content.decode()

    assert_same_queries_at_two_sizes(read, grow=_grow_agreements, sizes=(2, 5))


def test_agreement_page_and_order_page_queries_constant(client, finance, setup):
    agreement, price, project, line = setup
    client.force_login(finance)
    first = None

    def grow(n: int) -> None:
        nonlocal first
        for _ in range(n):
            order = contracts.order_create(
                actor=None,
                agreement=agreement,
                budget_line=line,
                title="O",
                lines=[{"price": price.pk, "quantity": "1"}, {"price": price.pk, "quantity": "2"}],
            )
            contracts.order_transition(actor=None, order=order, action="sign")
            contracts.order_transition(actor=None, order=order, action="invoice", amount="100")
            first = first or order

    def read():
        assert client.get(reverse("budgets:agreement_detail", args=[agreement.pk])).status_code == 200
        assert client.get(reverse("budgets:order_detail", args=[first.pk])).status_code == 200
        page_with_lazy_panels(client, reverse("portfolio:project_detail", args=[project.pk]))  # asserts 200s

    assert_same_queries_at_two_sizes(read, grow=grow, sizes=(2, 5))


# The order rows of the three tables before they were written in Python (budgets.order_rows).
_ORDER_ROW_TEMPLATES = {
    "list": (
        "{% load presentation contracts_tags %}{% for order in orders %}<tr>"
        '<td class="nowrap"><a href="{% url \'budgets:order_detail\' order.pk %}">{{ order.number }}</a></td>'
        "<td>{{ order.title }}</td>"
        '<td class="nowrap"><a href="{% url \'budgets:agreement_detail\' order.agreement_id %}">'
        "{{ order.agreement.reference }}</a></td>"
        "<td><a href=\"{% url 'portfolio:project_detail' order.project_id %}\">"
        "{{ order.project.code }}</a></td>"
        '<td>{% badge order "status" %}</td><td class="num nowrap">{{ order.amount|euros }}</td>'
        '<td class="nowrap">{{ order.ordered_on|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>'
        '<td class="num nowrap">{{ order.invoiced|euros }}</td></tr>{% endfor %}'
    ),
    "agreement": (
        "{% load presentation contracts_tags %}{% for order in orders %}<tr>"
        '<td class="nowrap"><a href="{% url \'budgets:order_detail\' order.pk %}">{{ order.number }}</a></td>'
        "<td>{{ order.title }}</td>"
        "<td><a href=\"{% url 'portfolio:project_detail' order.project_id %}\">"
        "{{ order.project.code }}</a></td>"
        '<td>{% badge order "status" %}</td><td class="num nowrap">{{ order.amount|euros }}</td>'
        '<td class="num nowrap">{{ order.invoiced|euros }}</td></tr>{% endfor %}'
    ),
    "project": (
        "{% load presentation contracts_tags %}{% for order in orders %}<tr>"
        '<td class="nowrap"><a href="{% url \'budgets:order_detail\' order.pk %}">{{ order.number }}</a></td>'
        '<td>{{ order.title }}</td><td class="nowrap">{{ order.agreement.reference }}</td>'
        '<td>{% badge order "status" %}</td><td class="num nowrap">{{ order.amount|euros }}</td>'
        '<td class="num nowrap">{{ order.invoiced|euros }}</td></tr>{% endfor %}'
    ),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_order_rows_are_those_the_templates_wrote(client, finance, setup, language):
    from django.template import engines
    from django.utils import translation

    from budgets import order_rows

    agreement, price, project, line = setup
    _sign_big_order(agreement, price, line)
    OrderFactory(agreement=agreement, budget_line=line, title="<i>R&D</i>", ordered_on=None)
    orders = list(Order.objects.select_related("agreement", "project").order_by("pk"))
    assert len(orders) == 2
    cells = {"list": order_rows.LIST_CELLS, "agreement": order_rows.AGREEMENT_CELLS}
    cells["project"] = order_rows.PROJECT_CELLS
    with translation.override(language):
        for name, template in _ORDER_ROW_TEMPLATES.items():
            expected = engines["django"].from_string(template).render({"orders": orders})
            written = order_rows.order_rows_html(orders, cells=cells[name])
            assert written.replace("\n", "") == expected, name
            assert "&lt;i&gt;R&amp;D&lt;/i&gt;" in written
    client.force_login(finance)
    for url in (reverse("budgets:order_list"), reverse("budgets:agreement_detail", args=[agreement.pk])):
        assert "&lt;i&gt;R&amp;D&lt;/i&gt;" in client.get(url).content.decode()


def test_orders_are_filtered_by_a_typed_project_code(client, finance, setup):
    agreement, price, project, line = setup
    mine = OrderFactory(agreement=agreement, budget_line=line, title="Mine")
    other_line = BudgetLineFactory(project=ProjectFactory(code="OTHER-1"), label="Autre")
    OrderFactory(agreement=agreement, budget_line=other_line, title="Theirs")
    client.force_login(finance)
    url = reverse("budgets:order_list")
    page = client.get(url).content.decode()
    # A text box, not a select listing every project of the portfolio.
    assert 'name="project"' in page and '<select name="project"' not in page
    filtered = client.get(url, {"project": project.code}).content.decode()
    assert mine.title in filtered and "Theirs" not in filtered
    unknown = client.get(url, {"project": "NO-SUCH"}).content.decode()
    assert "No project has this code." in unknown
