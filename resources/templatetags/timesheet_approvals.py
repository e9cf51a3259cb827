"""``{% approval_lines item %}``: the rows of one week of the approvals queue, written in Python.

A page of the queue shows 20 weeks of up to a dozen lines, each line with its decision form (two
links, five translated words, the CSRF field): through the template engine that was most of the
page's time (`make bench`). Same rows as the template wrote, every user text escaped.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ppm.lists import url_pattern
from resources.timesheets import format_days

register = template.Library()

_TONES = {"approved": "success", "rejected": "danger"}


@register.simple_tag(takes_context=True)
def approval_lines(context, item) -> SafeString:
    decide = url_pattern("resources:timesheet_line_decide")
    csrf = escape(str(context.get("csrf_token", "")))
    version = int(item["timesheet"].version)
    words = {
        "approve": escape(_("Approve")),
        "reason_label": escape(_("Reason for returning")),
        "reason": escape(_("Reason (to return)")),
        "return": escape(_("Return")),
    }
    rows = []
    for line in item["lines"]:
        sublabel = f' <span class="muted">· {escape(line.sublabel)}</span>' if line.sublabel else ""
        total = format_days(line.line_total or 0)
        tone = _TONES.get(line.approval, "neutral")
        form = ""
        if line.approval == "pending":
            pk = int(line.pk)
            url = decide.format(pk)
            form = (
                f'<form method="post" action="{url}" class="inline-form ts-decide" hx-post="{url}" '
                'hx-target="#approvals" hx-swap="innerHTML">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
                f'<input type="hidden" name="version" value="{version}">'
                '<button type="submit" name="decision" value="approve" class="button button--small '
                f'button--primary">{words["approve"]}</button>'
                f'<label class="visually-hidden" for="reason-line-{pk}">{words["reason_label"]}</label>'
                f'<input type="text" id="reason-line-{pk}" name="reason" maxlength="500" '
                f'placeholder="{words["reason"]}">'
                '<button type="submit" name="decision" value="return" class="button button--small '
                f'button--danger">{words["return"]}</button></form>'
            )
        rows.append(
            f'<tr><th scope="row">{escape(line.label)}{sublabel}</th>'
            f'<td class="ts-num">{escape(str(total))}</td>'
            f'<td><span class="badge badge--{tone}">{escape(str(line.get_approval_display()))}</span></td>'
            f"<td>{form}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every user text above is escaped
