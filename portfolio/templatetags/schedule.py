"""Template tags of the schedule: `{% slippage_badge days %}` (label and tone of a slippage)."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ppm.presentation import Tone, badge_html

register = template.Library()

# Beyond this many working days late, a slippage is shown as a danger (else a warning).
SLIPPAGE_DANGER_DAYS = 10


def slippage_label_tone(days: int | None) -> tuple[str, str]:
    """(label, tone) of a slippage in working days (positive = late); ("", "") when unknown."""
    if days is None:
        return "", ""
    if days == 0:
        return _("On time"), Tone.SUCCESS.value
    if days < 0:
        return (
            ngettext("%(n)d working day early", "%(n)d working days early", -days) % {"n": -days},
            Tone.SUCCESS.value,
        )
    tone = Tone.DANGER if days > SLIPPAGE_DANGER_DAYS else Tone.WARNING
    return ngettext("%(n)d working day late", "%(n)d working days late", days) % {"n": days}, tone.value


@register.simple_tag
def slippage_badge(days) -> SafeString:
    label, tone = slippage_label_tone(days)
    if not label:
        return badge_html("", "—", Tone.NEUTRAL)
    return badge_html(days, label, tone)


@register.simple_tag(takes_context=True)
def task_rows(context, tasks, project) -> SafeString:
    """``{% task_rows tasks project %}``: the task table's rows (portfolio.scheduling.task_rows)."""
    from portfolio.scheduling.task_rows import task_rows_html

    return task_rows_html(tasks, project=project, csrf_token=context.get("csrf_token", ""))
