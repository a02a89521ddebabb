"""axe-core in the page: install it on demand, run it, and say whose markup each violation is in.

Every node axe flags is placed in one *region*: our own content (the main area
and the sidebar widgets we draw) or a part of Streamlit's frame (header and
toolbar, navigation, the HTML document, toasts), or a third-party widget inside
our content (Plotly's mode bar). Our regions must be free of serious and
critical violations; the others are only accepted when :data:`ALLOWED` has an
entry for the rule and region with the reason we cannot fix it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from playwright.sync_api import Page

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

#: WCAG 2.2 A and AA plus axe's best practices; only serious and critical impacts fail a test.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
FAILING_IMPACTS = frozenset({"serious", "critical"})

#: Regions whose markup we write (through Streamlit's elements, our theme and our chart builders).
OUR_REGIONS = frozenset({"main", "sidebar-widgets", "unplaced"})

# The first matching region wins, so the narrow ones come first. ``unplaced`` means axe's
# selector no longer finds the node; it counts as ours so that nothing slips through.
_REGION_SCRIPT = """
(targets) => {
  const regions = [
    ['plotly-modebar', '.modebar-container'],
    ['streamlit-widget-popover', '[data-testid="stSelectboxVirtualDropdown"], [data-testid="stMultiSelectDropdown"]'],
    ['streamlit-toast', '[data-testid="stToastContainer"]'],
    ['streamlit-header', '[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], '
      + '[data-testid="stStatusWidget"], [data-testid="stMainMenuPopover"]'],
    ['streamlit-navigation', '[data-testid="stTopNav"], [data-testid="stTopNavPopover"], [data-testid="stSidebarNav"], '
      + '[data-testid="stSidebarHeader"], [data-testid="stSidebarCollapseButton"], '
      + '[data-testid="stExpandSidebarButton"], [data-testid="stSkipToContent"]'],
    ['sidebar-widgets', '[data-testid="stSidebarUserContent"]'],
    ['main', '[data-testid="stMain"]'],
    ['streamlit-frame', '[data-testid="stApp"]'],
  ];
  return targets.map(target => {
    if (target === 'html' || target === 'body') return 'streamlit-document';
    let node = null;
    try { node = document.querySelector(target); } catch (error) { return 'unplaced'; }
    if (!node) return 'unplaced';
    if (node === document.documentElement || node === document.body) return 'streamlit-document';
    for (const [name, selector] of regions) if (node.closest(selector)) return name;
    return 'streamlit-document';
  });
}
"""


@dataclass(frozen=True)
class Allowance:
    """A violation in markup we do not control, accepted with the reason."""

    rule: str
    region: str
    justification: str


#: Violations in Streamlit's frame or third-party widgets we accept, and why. A serious or critical one
#: that is not listed fails the tests until someone has looked at it and added it here with a reason.
ALLOWED: tuple[Allowance, ...] = (
    Allowance(
        rule="html-lang-matches-ui",
        region="streamlit-document",
        justification=(
            'Streamlit\'s index.html fixes <html lang="en"> and offers no way to set it, so Finnish and '
            "Swedish pages are declared English (WCAG 3.1.1). The only workaround is script injection "
            "into Streamlit's document, which we do not do."
        ),
    ),
    Allowance(
        rule="region",
        region="streamlit-header",
        justification=(
            "Streamlit's main menu (the three dots) opens in a popover outside the page landmarks (moderate); "
            "the menu is Streamlit's own and cannot be changed from the app."
        ),
    ),
    Allowance(
        rule="region",
        region="streamlit-widget-popover",
        justification=(
            "An open select box lists its options in a popover at the end of the document, outside the "
            "landmarks (moderate); the combobox points to it with aria-controls, so nothing is lost to "
            "assistive technology, and the markup is Streamlit's."
        ),
    ),
)


@dataclass(frozen=True)
class Finding:
    """One axe violation on one node."""

    page: str
    language: str
    rule: str
    impact: str
    help: str
    help_url: str
    region: str
    target: str
    html: str
    summary: str

    @property
    def ours(self) -> bool:
        return self.region in OUR_REGIONS

    @property
    def fails(self) -> bool:
        return self.impact in FAILING_IMPACTS

    def allowance(self) -> Allowance | None:
        return next((entry for entry in ALLOWED if (entry.rule, entry.region) == (self.rule, self.region)), None)

    def as_dict(self) -> dict[str, str | bool]:
        return asdict(self) | {"ours": self.ours}


class AxeUnavailableError(RuntimeError):
    """axe-core is not installed and could not be installed (no npm, no network)."""


def ensure_axe() -> Path:
    """The path of ``axe.min.js``, installing the pinned axe-core with npm into ``AXE_DIR`` when missing."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailableError(f"axe-core is not installed in {AXE_DIR} and npm is not available to install it")
    result = subprocess.run(  # a fixed command line
        [npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
        cwd=AXE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0 or not AXE_SCRIPT.exists():
        raise AxeUnavailableError(
            f"npm install of axe-core into {AXE_DIR} failed (exit {result.returncode}): {result.stderr.strip()[-800:]}"
        )
    return AXE_SCRIPT


def run_axe(page: Page, *, page_name: str, language: str, script: Path = AXE_SCRIPT) -> list[Finding]:
    """Run axe on the page as it is now; one :class:`Finding` per flagged node, any impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(violation => ({
                id: violation.id, impact: violation.impact, help: violation.help, helpUrl: violation.helpUrl,
                nodes: violation.nodes.map(node => ({
                    target: node.target.map(part => Array.isArray(part) ? part.join(' >>> ') : part).join(' >>> '),
                    html: node.html, impact: node.impact, summary: node.failureSummary || ''}))}));
        }""",
        list(AXE_TAGS),
    )
    findings: list[Finding] = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]]
        regions: list[str] = page.evaluate(_REGION_SCRIPT, targets)
        for node, region in zip(violation["nodes"], regions, strict=True):
            findings.append(
                Finding(
                    page=page_name,
                    language=language,
                    rule=violation["id"],
                    impact=node["impact"] or violation["impact"] or "unknown",
                    help=violation["help"],
                    help_url=violation["helpUrl"],
                    region=region,
                    target=node["target"],
                    html=node["html"],
                    summary=node["summary"],
                )
            )
    return findings


def language_finding(page: Page, *, page_name: str, language: str) -> Finding | None:
    """A finding when ``<html lang>`` does not declare the language the page is shown in (WCAG 3.1.1)."""
    declared: str = page.evaluate("() => document.documentElement.lang || ''")
    if declared.split("-", maxsplit=1)[0].lower() == language:
        return None
    return Finding(
        page=page_name,
        language=language,
        rule="html-lang-matches-ui",
        impact="serious",
        help="The page's declared language must be the language of its content (WCAG 3.1.1)",
        help_url="https://www.w3.org/WAI/WCAG22/Understanding/language-of-page",
        region="streamlit-document",
        target="html",
        html=f'<html lang="{declared}">',
        summary=f"The page is shown in {language!r} but declares lang={declared!r}.",
    )


def problems(findings: list[Finding]) -> list[str]:
    """What fails a test, one entry per page, rule and region with up to three example nodes.

    Serious or critical findings in our content fail, and so do those elsewhere that :data:`ALLOWED`
    does not explain.
    """
    failing = [finding for finding in findings if finding.fails and (finding.ours or finding.allowance() is None)]
    groups: dict[tuple[str, str, str, str, str], list[Finding]] = {}
    for finding in failing:
        key = (finding.page, finding.language, finding.rule, finding.region, finding.impact)
        groups.setdefault(key, []).append(finding)
    messages = []
    for (page, language, rule, region, impact), group in groups.items():
        first = group[0]
        whose = "" if first.ours else " (not our content, but not in ALLOWED: check it, then add it with the reason)"
        examples = "".join(f"\n    - {finding.html[:200]}" for finding in group[:3])
        messages.append(
            f"[{impact}] {rule} on {page!r} ({language}): {len(group)} node(s) in {region}{whose}\n"
            f"    {first.help}. {' '.join(first.summary.split())[:300]}{examples}"
        )
    return messages


def write_report(findings: list[Finding], folder: Path, name: str) -> tuple[Path, Path]:
    """Every finding as JSON, and a Markdown summary grouped by rule and region (for the README)."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{name}.json"
    json_path.write_text(
        json.dumps([finding.as_dict() for finding in findings], indent=2, ensure_ascii=False), encoding="utf-8"
    )
    groups: dict[tuple[str, str, str, bool], set[str]] = {}
    for finding in findings:
        key = (finding.rule, finding.region, finding.impact, finding.ours)
        groups.setdefault(key, set()).add(f"{finding.page} ({finding.language})")
    lines = [
        "| Rule | Impact | Region | Whose | Pages | Justification |",
        "|---|---|---|---|---|---|",
    ]
    for (rule, region, impact, ours), pages in sorted(groups.items()):
        allowance = next((entry for entry in ALLOWED if (entry.rule, entry.region) == (rule, region)), None)
        lines.append(
            f"| {rule} | {impact} | {region} | {'ours' if ours else 'Streamlit/third party'} "
            f"| {', '.join(sorted(pages))} | {allowance.justification if allowance else ''} |"
        )
    lines += ["", "Accepted in Streamlit's frame and third-party widgets (`ALLOWED`):", ""]
    seen = {(finding.rule, finding.region) for finding in findings}
    lines += [
        f"- `{entry.rule}` in {entry.region}{'' if (entry.rule, entry.region) in seen else ' (not seen in this run)'}: "
        f"{entry.justification}"
        for entry in ALLOWED
    ]
    markdown_path = folder / f"{name}.md"
    markdown_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, markdown_path
