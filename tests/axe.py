"""axe-core accessibility checks in a Playwright page (vendored axe, see tests/vendor/README.md).

The script is run with `page.evaluate`, which is not subject to the page's Content-Security-Policy
(a `<script>` tag added by the test would be blocked by `script-src 'self'`, as it should be).
"""

from functools import cache
from pathlib import Path

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# WCAG 2.1 A and AA: what RGAA 4 and French public buyers require.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

RUN_AXE = """
async (tags) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                              summary: n.failureSummary}))
  }));
}
"""


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page, *, tags=WCAG_TAGS) -> list[dict]:
    """Every WCAG 2.1 A/AA violation axe finds in the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN_AXE, list(tags))


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    at {node['target']}: {node['html']}")
            if node["summary"]:
                lines.extend(f"        {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


def assert_accessible(page, label: str = "") -> None:
    """No serious or critical axe violation in the page; prints every one found otherwise."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    where = label or page.url
    assert not blocking, (
        f"axe: {len(blocking)} serious/critical violation(s) on {where}:\n" + format_violations(blocking)
    )
