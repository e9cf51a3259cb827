"""Lookups the ORM lacks.

``field__in_ids=subquery``: the rows whose `field` is among the values of a one-column subquery, with
the subquery worked out first. On PostgreSQL it is written ``field = ANY(ARRAY(subquery))``: the
subquery becomes an InitPlan and the outer table is reached through its index on `field`. The plain
``field IN (subquery)`` lets the planner hash the subquery's values and read the whole outer table
to match them: every flash report of the portfolio (12,000 rows at 1,000 projects) to find the 600
latest ones. Elsewhere (SQLite) it is ``IN (subquery)``. NULL values of the subquery match nothing,
as with IN.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.fields.related_lookups import RelatedLookupMixin


@Field.register_lookup
class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression"):
            raise TypeError("in_ids takes a subquery (a queryset of one column).")
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = (*lhs_params, *rhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", params
        return f"{lhs} IN {rhs}", params


@ForeignObject.register_lookup
class RelatedInIds(RelatedLookupMixin, InIds):
    """`in_ids` on a foreign key (``report_id__in_ids=…``)."""
