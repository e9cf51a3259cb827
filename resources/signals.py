"""Signals resources sends to the apps above it, which it may not import (STYLE.md's layering).

* `workload_changed` (keyword argument `reason`): the allocations or the resources (daily cost, external
  or generic, roles) changed. Sent by `resources.capacity_plan.capacity_plan_changed()`, that is by every
  service that writes them, inside its transaction. Budgets' workload costing listens
  (budgets.costing_snapshot).
"""

from django.dispatch import Signal

workload_changed = Signal()
