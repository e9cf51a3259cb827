"""Budget objects for the API fuzzing (tests/test_api_fuzz.py's world): ids by collection name."""

from budgets import services


def fuzz_budgets(*, project, actor) -> dict[str, list[int]]:
    envelope = services.envelope_create(
        actor=actor,
        code="FUZZ",
        name="Fuzz",
        first_year=2024,
        last_year=2030,
        sections=[
            {"section": "investment", "authority": "999999999999", "payment_credits": {2025: "999999999999"}},
            {"section": "operating", "authority": "999999999999", "payment_credits": {2025: "999999999999"}},
        ],
    )
    line = services.budget_line_create(
        actor=actor,
        project=project,
        data={"label": "Fuzz", "section": "investment", "nature": "services", "envelope": envelope},
        planned={2025: "100000000000"},
    )
    other = services.budget_line_create(
        actor=actor,
        project=project,
        data={"label": "Fuzz 2", "section": "operating", "nature": "licences", "envelope": envelope},
        planned={2025: "100000000000"},
    )
    funding = services.funding_source_create(
        actor=actor, data={"name": "Fuzz grant", "kind": "eu", "amount": "1000"}
    )
    return {
        "envelopes": [envelope.pk],
        "budget-lines": [line.pk, other.pk],
        "budget-line-years": [line.years.get().pk, other.years.get().pk],
        "fundings": [funding.pk],
    }
