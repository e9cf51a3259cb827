"""How the portfolio's coded values look (tones of ppm.presentation).

Imported by ppm.presentation.autodiscover() (like admin.py modules), so worker processes see it too.
"""

from portfolio.rules import ProjectStatus
from ppm.presentation import Tone, declare_tones

PROJECT_STATUS_TONES: dict[str, Tone] = {
    ProjectStatus.DEMAND: Tone.NEUTRAL,
    ProjectStatus.FRAMING: Tone.ACCENT,
    ProjectStatus.APPROVED: Tone.INFO,
    ProjectStatus.IN_PROGRESS: Tone.SUCCESS,
    ProjectStatus.ON_HOLD: Tone.WARNING,
    ProjectStatus.CLOSED: Tone.DONE,
    ProjectStatus.CANCELLED: Tone.DANGER,
}
# A demand the committee turns down ("not retained"), when the lifecycle has that status.
if "not_retained" in ProjectStatus.values:
    PROJECT_STATUS_TONES["not_retained"] = Tone.NEUTRAL

declare_tones(ProjectStatus, PROJECT_STATUS_TONES)
