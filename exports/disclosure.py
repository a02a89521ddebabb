"""The output check report every export carries: the rules applied, the threshold, what they hid, and the audit.

In the manner of the output checking of trusted research environments (ACRO/SACRO), each exported table,
workbook and deck says how its cells were checked before they left the dashboard:

* the rules: primary suppression (a cell with fewer than ``threshold`` observations, zero included, is hidden)
  and secondary suppression (further cells hidden so that no hidden one comes back from totals and parts);
* the threshold and the viewer's role the cells were cut for;
* how many cells the export holds, how many are hidden, and by which rule (from the cells' ``suppressed_by``
  column, "primary" or "secondary", where the cells record it);
* the cells shown with a count under the threshold, counted again here from the exported cells themselves
  (0 unless something upstream is broken);
* the disclosure audit (``python -m pipeline audit``) of the data set and the store version the cells come from,
  or a plain "not audited" when none covers it.

The result is ``pass`` (no small count shown, an audit at this threshold with no findings), ``review``
(nothing wrong seen, but no audit covers the file) or ``fail`` (a small count shown, or the audit has findings).

Usage::

    audit = latest_audit(engine, "public", results.dataset)  # the data set the cells are of
    report = check_report(cells, threshold=5, role="public", audit=audit, dataset=results.dataset)
    report.lines("fi")      # the report as lines of text, in Finnish
    report.text("sv")       # the same joined by line breaks
    report.outcome          # "pass" | "review" | "fail"

``cells`` is the exported frame (a chart's data or the full data set) with the boolean ``suppressed`` column
and, where known, ``suppressed_by``; the report reads counts only, never an identifier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from i18n import t, tn
from i18n.format import count, moment_text
from metrics.privacy import PRIMARY, SECONDARY, SUPPRESSED_BY

Outcome = Literal["pass", "review", "fail"]

#: Counts of people or visits an export may show; each shown one must be at least the threshold.
COUNT_COLUMNS: Final = ("n", "n_within", "n_x", "n_y")


class Audit(Protocol):
    """What the report reads from an audit record (:class:`store.audits.AuditRecord` has it)."""

    @property
    def role(self) -> str: ...
    @property
    def dataset(self) -> str: ...
    @property
    def threshold(self) -> int: ...
    @property
    def findings(self) -> int: ...
    @property
    def ran_at(self) -> dt.datetime: ...


@dataclass(frozen=True)
class CheckReport:
    """The check of one export's cells; :meth:`lines` writes it in a language.

    ``primary`` and ``secondary`` are None when the cells do not record which rule hid them.
    """

    role: str
    threshold: int
    cells: int
    hidden: int
    primary: int | None
    secondary: int | None
    small_shown: int
    audit: Audit | None

    @property
    def shown(self) -> int:
        return self.cells - self.hidden

    @property
    def audit_covers(self) -> bool:
        """True when an audit of this store version exists, at this report's threshold."""
        return self.audit is not None and self.audit.threshold == self.threshold

    @property
    def outcome(self) -> Outcome:
        if self.small_shown or (self.audit is not None and self.audit.findings):
            return "fail"
        return "pass" if self.audit_covers else "review"

    def lines(self, language: str) -> list[str]:
        """The report in ``language``: title, rules, threshold, role, the cells, the audit and the result."""
        role = t(f"auth.role_{self.role}", language)
        lines = [
            t("check.title", language),
            t("check.rules", language, threshold=self.threshold),
            t("check.threshold", language, threshold=self.threshold),
            t("check.role", language, role=role),
            tn(
                "check.cells",
                self.cells,
                language,
                n=count(self.cells, language),
                shown=count(self.shown, language),
                hidden=count(self.hidden, language),
            ),
        ]
        if self.hidden:
            if self.primary is None or self.secondary is None:
                lines.append(t("check.by_rule_unknown", language))
            else:
                lines.append(
                    t(
                        "check.by_rule",
                        language,
                        primary=count(self.primary, language),
                        secondary=count(self.secondary, language),
                    )
                )
        lines.append(t("check.small_shown", language, threshold=self.threshold, n=count(self.small_shown, language)))
        lines.extend(self._audit_lines(language, role))
        lines.append(t(f"check.outcome_{self.outcome}", language))
        return lines

    def text(self, language: str) -> str:
        """:meth:`lines` joined by line breaks, with a final one (a text file's contents)."""
        return "\n".join(self.lines(language)) + "\n"

    def _audit_lines(self, language: str, role: str) -> Sequence[str]:
        audit = self.audit
        if audit is None:
            return [t("check.not_audited", language, role=role)]
        date = moment_text(audit.ran_at, language)
        if audit.findings:
            line = tn(
                "check.audit_findings",
                audit.findings,
                language,
                n=count(audit.findings, language),
                date=date,
                role=role,
                threshold=audit.threshold,
            )
        else:
            line = t("check.audit_passed", language, date=date, role=role, threshold=audit.threshold)
        if audit.threshold != self.threshold:
            return [line, t("check.audit_other_threshold", language, audited=audit.threshold, threshold=self.threshold)]
        return [line]


def check_report(
    cells: pl.DataFrame, *, threshold: int, role: str, audit: Audit | None, dataset: str | None = None
) -> CheckReport:
    """The output check of ``cells`` as exported for a viewer of ``role`` with suppression at ``threshold``.

    ``audit`` is the latest audit of ``role`` on the data set and the store version the cells come from
    (``store.audits.latest_audit(engine, role, dataset)``), None when there is none: the report then says "not
    audited" and its result is at best ``review``. An audit of another role is a mistake and is refused, and so,
    when ``dataset`` (the data set the cells are of) is given, is an audit of another data set.
    """
    if threshold < 1:
        raise InvalidInputError(f"the suppression threshold is a whole number of at least 1, got {threshold!r}")
    if role not in ("public", "county", "analyst"):
        raise InvalidInputError(f"role must be one of public, county, analyst, got {role!r}")
    if audit is not None and audit.role != role:
        raise InvalidInputError(f"the audit given is of the {audit.role!r} role, but the export is for {role!r}")
    if audit is not None and dataset is not None and audit.dataset != dataset:
        raise InvalidInputError(
            f"the audit given is of the data set {audit.dataset!r}, but the export is of {dataset!r}"
        )
    hidden_mask = (
        cells[c.SUPPRESSED].fill_null(False)
        if c.SUPPRESSED in cells.columns
        else pl.Series(c.SUPPRESSED, [False] * cells.height, dtype=pl.Boolean)
    )
    hidden = int(hidden_mask.sum())
    primary = secondary = None
    if SUPPRESSED_BY in cells.columns:
        rules = cells[SUPPRESSED_BY]
        primary = int((rules == PRIMARY).sum())
        secondary = int((rules == SECONDARY).sum())
        if primary + secondary != hidden:  # a hidden cell without its rule: the rule is not known for all
            primary = secondary = None
    counts = [name for name in COUNT_COLUMNS if name in cells.columns and cells.schema[name].is_numeric()]
    small = pl.any_horizontal((pl.col(name) < threshold).fill_null(False) for name in counts) if counts else None
    small_shown = cells.filter(~hidden_mask).filter(small).height if small is not None else 0
    return CheckReport(
        role=role,
        threshold=threshold,
        cells=cells.height,
        hidden=hidden,
        primary=primary,
        secondary=secondary,
        small_shown=small_shown,
        audit=audit,
    )
