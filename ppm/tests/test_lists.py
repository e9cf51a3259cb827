"""Shared list helpers: sortable columns from an allow-list, pagination, htmx partials with Vary."""

from django.http import HttpResponse, QueryDict
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from ppm import lists

COLUMNS = (lists.SortColumn("code", "Code"), lists.SortColumn("name", "Name"))


def test_sort_columns_follow_the_current_ordering():
    columns = {c["key"]: c for c in lists.sort_columns(COLUMNS, "-name")}
    assert columns["name"]["direction"] == "descending"
    assert columns["name"]["next"] == "name"
    assert columns["code"] == {"key": "code", "label": "Code", "direction": "", "next": "code"}


def test_sort_columns_ignore_what_is_not_allowed():
    columns = lists.sort_columns(COLUMNS, "password,name")
    assert columns[0]["direction"] == "ascending"  # the default column
    assert all(c["direction"] == "" for c in columns[1:])


def test_paginate_falls_back_to_a_valid_page():
    assert lists.paginate(list(range(30)), "x", per_page=25).number == 1
    assert lists.paginate(list(range(30)), "99", per_page=25).number == 2


def test_is_filtered_ignores_paging_and_sorting():
    assert not lists.is_filtered(QueryDict("page=2&ordering=name&status="))
    assert lists.is_filtered(QueryDict("status=demand"))


def test_vary_on_htmx_adds_the_header_once():
    response = HttpResponse()
    response["Vary"] = "Cookie"
    lists.vary_on_htmx(lists.vary_on_htmx(response))
    assert response["Vary"] == "Cookie, HX-Request"


def test_only_htmx_requests_aimed_at_the_target_get_the_partial():
    factory = RequestFactory()

    def request(**headers):
        made = factory.get("/", headers=headers)
        made.htmx = HtmxDetails(made)
        return made

    assert lists.wants_partial(request(HX_Request="true", HX_Target="results"), "results")
    assert not lists.wants_partial(request(HX_Request="true", HX_Target="other"), "results")
    assert not lists.wants_partial(
        request(HX_Request="true", HX_Target="results", HX_History_Restore_Request="true"), "results"
    )
    assert not lists.wants_partial(request(), "results")
