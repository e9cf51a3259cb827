"""`manage.py budget_totals`: rebuild the precomputed budget totals (BudgetTotal, FundingTotal) from the
line years, execution entries and funding shares, or with `--check` only say where they differ.

The services keep the totals exact in every write (budgets/totals.py); this is for a database written
around them (a restore, a bulk fix in SQL) and for checking. Operator's tool: plain English output.
"""

from django.core.management.base import BaseCommand, CommandError

from budgets.totals import budget_totals_differences, budget_totals_rebuild


class Command(BaseCommand):
    help = "Rebuild the precomputed budget totals (or check them with --check)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing: list the totals that differ from the live sums, exit 1 if any.",
        )

    def handle(self, *args, check: bool, **options):
        if check:
            differences = budget_totals_differences()
            for difference in differences[:50]:
                self.stdout.write(difference)
            if differences:
                raise CommandError(f"{len(differences)} budget totals differ from the live sums.")
            self.stdout.write("The budget totals equal the live sums.")
            return
        written = budget_totals_rebuild()
        self.stdout.write(f"Budget totals rebuilt: {written} rows written.")
