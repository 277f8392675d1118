"""Building a report: counts → tables that share totals, protected together → the Report.

One year is one protection problem: every table of the year, and the quarter totals, linked
wherever a reader knows two figures are equal (every table of women has the same number of
women; new women by month add up to the new women and to the quarters; the column totals of
violence type × age group are sums of the age table; a cell of violence type × perpetrator group
is the sum of its Article 11 cells…). So a hidden figure cannot be worked out by subtracting one
table, or one report, from another. A year frozen as a release is served from its snapshot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session

from casework.clock import now
from casework.reports import cache, releases
from casework.reports.cache import (Publication, PublishedTable, activities_table,
                                    published_table, services_table)
from casework.reports.definitions import (AGE_GROUP_OF, MARK_NOTE, NOT_ADMITTED, PERPETRATOR_GROUPS,
                                          QUARTER_TABLES, SHELTER_STEPS, TABLES, TREND_YEARS,
                                          YEAR_TABLES, TableDef, code_label, codes_of, unit_label)
from casework.reports.model import MARK, Period, Report, ReportTable
from casework.reports.queries import YearCounts, stats_version, year_counts
from casework.reports.suppression.protect import (combine, margin_links, protect_problem,
                                                  same_total)
from casework.reports.suppression.tables import TOTAL, CountTable, Problem, Sum, Within

QUARTERS = {q: tuple(f"{m:02d}" for m in range(3 * q - 2, 3 * q + 1)) for q in (1, 2, 3, 4)}


def thresholds() -> tuple[int, int]:
    """k and the sensitive tables' k (REPORT_MIN_COUNT, REPORT_MIN_COUNT_SENSITIVE)."""
    k = int(current_app.config["REPORT_MIN_COUNT"])
    return k, max(k, int(current_app.config["REPORT_MIN_COUNT_SENSITIVE"]))


def build_report(stats_session: Session, period: Period, locale: str, *,
                 live: bool = False) -> Report:
    """The report of a year or a quarter, in `locale`, from the statistics store alone.

    A released year (and its quarters) is its latest release, frozen; `live` builds it from the
    store as it is now instead — for a released year, the correction a new release would make.
    """
    if period.quarter not in (None, 1, 2, 3, 4):
        raise ValueError("a quarter is 1, 2, 3 or 4")
    latest = releases.latest(stats_session, period.year)
    if latest is not None and not live:
        return assemble(period, locale, releases.publication_of(latest),
                        release=(latest.number, latest.created_at))
    return assemble(period, locale, live_publication(stats_session, period.year, latest))


def live_publication(stats_session: Session, year: int,
                     previous: Optional[releases.ReportRelease] = None) -> Publication:
    """The protected tables of a year as the store holds it now (cached per version and counts);
    after a release, protected as its correction (what the release hid stays hidden)."""
    counts = year_counts(stats_session, year)
    k, k_sensitive = thresholds()
    key = (year, stats_version(stats_session), counts.digest(), k, k_sensitive,
           previous.number if previous is not None else 0)

    def compute() -> Publication:
        made = year_tables(counts, k, k_sensitive)
        problem, problems = made.problem(), []
        if previous is None:
            protection = protect_problem(problem)
        else:
            correction = releases.protect_correction(problem, releases.publication_of(previous))
            protection, problems = correction.protection, correction.problems
        tables = {t.id: published_table(t, protection[t.id]) for t in made.tables}
        tables["services_given"] = services_table(tables["services_given"], counts)
        tables["activities"] = activities_table(counts)
        return Publication(tables, key[1], k, k_sensitive, protection.seconds, counts.empty,
                           problems)

    return cache.publication(key, compute)


def release_year(stats_session: Session, audit_session: Session, year: int, *,
                 actor: object) -> releases.ReportRelease:
    """Freeze the year as its next release (ReleaseRefused, with the reasons, if it may not be)."""
    previous = releases.latest(stats_session, year)
    publication = live_publication(stats_session, year, previous)
    titles = {t.id: str(t.title) for t in YEAR_TABLES}
    return releases.freeze(stats_session, audit_session, year, publication,
                           publication.correction_problems, previous, actor=actor, titles=titles)


# --- the protection problem of a year --------------------------------------------------------

class _Tables:
    """The year's CountTables, their links, and the `Within`s a reader also knows."""

    def __init__(self, k: int, k_sensitive: int) -> None:
        self.k, self.k_sensitive = k, k_sensitive
        self.tables: list[CountTable] = []
        self.links: list[Sum] = []
        self.withins: list[Within] = []

    def row_k(self, table: TableDef, rows: list[str]) -> dict[str, int]:
        return {r: self.k_sensitive for r in rows if r in table.sensitive_rows}

    def one_way(self, table_id: str, counts: dict[str, int], *, base: Optional[int] = None,
                total: bool = True) -> CountTable:
        table = TABLES.get(table_id)
        rows = codes_of(table.rows, counts) if table else list(counts)
        made = CountTable.one_way(table_id, {r: counts.get(r, 0) for r in rows}, k=self.k,
                                  publish_total=total, multi_count=base is not None, base=base,
                                  row_k=self.row_k(table, rows) if table else None)
        self.tables.append(made)
        return made

    def problem(self) -> Problem:
        joined = combine((t.to_problem() for t in self.tables), self.links)
        merged = replace(joined, withins=joined.withins + tuple(self.withins))
        merged.validate()
        return merged


def _by(rows: dict[tuple, int], *positions: int) -> dict:
    """Counts keyed by one code (or a tuple of codes) of their key."""
    if len(positions) == 1:
        return {key[positions[0]]: n for key, n in rows.items()}
    return {tuple(key[p] for p in positions): n for key, n in rows.items()}


def year_tables(counts: YearCounts, k: int, k_sensitive: int) -> _Tables:
    """The year's tables (its quarter totals too), their links and what a reader also knows."""
    t = _Tables(k, k_sensitive)
    women = counts.of("women")
    new, all_women = women.get((True,), 0), sum(women.values())
    supported = t.one_way("women_supported", {"new": new, "continuing": all_women - new})
    months = t.one_way("new_women_by_month", _by(counts.of("months"), 0))
    t.links.append(Sum(months.grand_key, (supported.key("new"),)))
    t.one_way("cases_closed", _by(counts.of("closed"), 0))
    single = {}
    for table_id, column in (("women_by_age_band", "age_band"),
                             ("women_by_migration_status", "migration_status"),
                             ("women_by_nationality_group", "nationality_group"),
                             ("reason_for_contact", "reason_for_contact"),
                             ("abuse_duration", "abuse_duration"),
                             ("children_exposed", "children_exposed"),
                             ("area_of_residence", "area")):
        single[table_id] = t.one_way(table_id, _by(counts.of(column), 0))
        t.links.append(same_total(supported, single[table_id]))
    for table_id, column in (("referral_sources", "referral_source"),
                             ("time_to_contact", "time_to_contact")):
        made = t.one_way(table_id, _by(counts.of(column), 0))
        t.links.append(Sum(made.grand_key, (supported.key("new"),)))
    codes = counts.of("codes")
    multi = {}
    for table_id, dimension in (("violence_types", "violence_type"),
                                ("perpetrator_relationships", "perpetrator_relationship"),
                                ("discrimination_factors", "discrimination_factor"),
                                ("requests", "request"), ("justice_steps", "justice_step")):
        found = {code: n for (dim, code), n in codes.items() if dim == dimension}
        multi[table_id] = t.one_way(table_id, found, base=all_women)
        t.links.append(same_total(supported, multi[table_id]))
    violence = multi["violence_types"]
    _violence_by_age(t, counts, violence, single["women_by_age_band"], all_women)
    by_group = _violence_by_group(t, counts, violence, all_women)
    _shelter(t, counts, supported, multi["requests"], all_women)
    services = {code: n for (code, which), n in counts.of("services").items() if which == 0}
    t.one_way("services_given", services)
    _two_way(t, "referrals_by_partner_type", counts.of("referrals"))
    enquiries = _two_way(t, "enquiries_by_channel_and_caller", counts.of("enquiries"))
    topics = t.one_way("enquiries_by_topic", _by(counts.of("topics"), 0),
                       base=enquiries.grand_total)
    t.links.append(same_total(enquiries, topics))
    years = [str(y) for y in range(counts.year - TREND_YEARS + 1, counts.year + 1)]
    trend = t.one_way("five_year_trend", {y: _by(counts.of("trend"), 0).get(y, 0) for y in years},
                      total=False)
    t.links.append(Sum(trend.key(years[-1]), (supported.grand_key,)))
    _article11(t, counts, violence, by_group, single["area_of_residence"])
    _quarters(t, counts, months, enquiries)
    return t


def _two_way(t: _Tables, table_id: str, found: dict[tuple, int]) -> CountTable:
    table = TABLES[table_id]
    rows = codes_of(table.rows, {r for r, _c in found})
    columns = codes_of(table.columns, {c for _r, c in found})
    made = CountTable.two_way(table_id, found, rows, columns, k=t.k)
    t.tables.append(made)
    return made


def _violence_by_age(t: _Tables, counts: YearCounts, violence: CountTable, ages: CountTable,
                     base: int) -> None:
    table = TABLES["violence_type_by_age_group"]
    groups = codes_of("age_group")
    group_of = {band: AGE_GROUP_OF.get(band, "unknown") for band in ages.rows}
    bases = {g: sum(ages.cells[(b,)] for b in ages.rows if group_of[b] == g) for g in groups}
    made = CountTable.two_way(table.id, counts.of("violence_by_age"), violence.rows, groups,
                              k=t.k, multi_count=True, base=base, column_bases=bases,
                              row_k=t.row_k(table, list(violence.rows)))
    t.tables.append(made)
    t.links += margin_links(made, rows=violence)
    for g in groups:  # the women of an age group are the women of its bands
        bands = tuple(ages.key(b) for b in ages.rows if group_of[b] == g)
        t.links.append(Sum(made.key(TOTAL, g), bands))


def _violence_by_group(t: _Tables, counts: YearCounts, violence: CountTable,
                       base: int) -> CountTable:
    table = TABLES["violence_type_by_perpetrator_group"]
    groups = list(PERPETRATOR_GROUPS)
    made = CountTable(table.id, violence.rows, counts.of("violence_by_group"), tuple(groups),
                      k=t.k, multi_count=True, base=base,
                      row_k=t.row_k(table, list(violence.rows)))
    t.tables.append(made)
    t.links.append(Sum(made.grand_key, (violence.grand_key,)))
    # Women with a type of violence and a perpetrator group are some of the women with that type.
    t.withins += [Within(made.key(v, g), violence.key(v)) for v in violence.rows for g in groups]
    return made


def _shelter(t: _Tables, counts: YearCounts, supported: CountTable, asked: CountTable,
             base: int) -> None:
    found = {step: n for (step,), n in counts.of("shelter").items()}
    found["requested"] = asked.cells.get(("shelter_hosting",), 0)
    made = t.one_way("shelter_pathway", {s: found.get(s, 0) for s in SHELTER_STEPS}, base=base)
    t.links += [same_total(supported, made),
                Sum(made.key("requested"), (asked.key("shelter_hosting"),))]
    t.withins += [Within(made.key(step), made.key("referred"))
                  for step in ("admitted", *NOT_ADMITTED)]


def _article11(t: _Tables, counts: YearCounts, violence: CountTable, by_group: CountTable,
               areas_table: CountTable) -> None:
    table = TABLES["article_11_breakdown"]
    ages, groups, areas = codes_of("age_group"), list(PERPETRATOR_GROUPS), list(areas_table.rows)
    rows = [f"{a}.{v}.{g}" for a in ages for v in violence.rows for g in groups]
    cells = {(f"{a}.{v}.{g}", area): n for (a, v, g, area), n in counts.of("article11").items()}
    sensitive_types = TABLES["violence_types"].sensitive_rows
    sensitive = {r: t.k_sensitive for r in rows if r.split(".")[1] in sensitive_types}
    made = CountTable(table.id, tuple(rows), cells, tuple(areas), k=t.k, row_k=sensitive)
    t.tables.append(made)
    # Age group and area are single-valued: summed over both, the cells of a violence type and
    # perpetrator group are the women of that cell of the table by perpetrator group.
    for v in violence.rows:
        for g in groups:
            parts = tuple(made.key(f"{a}.{v}.{g}", area) for a in ages for area in areas)
            t.links.append(Sum(by_group.key(v, g), parts))


def _quarters(t: _Tables, counts: YearCounts, months: CountTable, enquiries: CountTable) -> None:
    by_month = _by(counts.of("enquiry_months"), 0)
    quarter_enquiries = []
    for q, quarter_months in QUARTERS.items():
        new_women = sum(months.cells[(m,)] for m in quarter_months)
        new = t.one_way(f"new_women_q{q}", {"new_women": new_women}, total=False)
        t.links.append(Sum(new.key("new_women"), tuple(months.key(m) for m in quarter_months)))
        enquiries_in = sum(by_month.get(str(int(m)), 0) for m in quarter_months)
        made = t.one_way(f"enquiries_q{q}", {"enquiries": enquiries_in}, total=False)
        quarter_enquiries.append(made.key("enquiries"))
    t.links.append(Sum(enquiries.grand_key, tuple(quarter_enquiries)))


# --- the report ----------------------------------------------------------------------------------

REASONS = {
    "small": lambda k: _("The whole table counts fewer than %(k)d, so it is not published.", k=k),
    "unprotectable": lambda k: _("No pattern of hidden figures could protect its small counts, "
                                 "so it is not published."),
    "previous_release": lambda k: _("It was withheld in the earlier release of this year, so its "
                                    "correction is withheld too."),
}


def assemble(period: Period, locale: str, publication: Publication, *,
             release: Optional[tuple[int, object]] = None) -> Report:
    """The Report of a period from a year's protected tables, labelled in `locale`."""
    with force_locale(locale):
        if period.quarter is None:
            chosen = [(table, publication.tables[table.id]) for table in YEAR_TABLES]
        else:
            chosen = [(QUARTER_TABLES[0], publication.tables[f"new_women_q{period.quarter}"]),
                      (QUARTER_TABLES[1], publication.tables[f"enquiries_q{period.quarter}"])]
        tables = [_report_table(table, published, locale) for table, published in chosen]
        label = _("%(year)s release %(number)s", year=period.year, number=release[0]) \
            if release else None
        return Report(period=period, locale=locale, tables=tables, k=publication.k,
                      k_sensitive=publication.k_sensitive, stats_version=publication.stats_version,
                      generated_at=now(), release=label,
                      released_at=release[1] if release else None,  # type: ignore[arg-type]
                      mark=MARK, mark_note=str(MARK_NOTE),
                      audit_passed=all(t.audit_passed for t in tables))


def is_empty(report: Report) -> bool:
    """Nothing at all counted in the period (the five-year trend looks back, so it is left out)."""
    return not any(t.withheld or any(v for v in t.cells.values()) or t.grand_total
                   for t in report.tables if t.id != "five_year_trend")


def _report_table(table: TableDef, published: PublishedTable, locale: str) -> ReportTable:
    rows_list = table.rows
    column_list = table.columns or "columns"
    reason = published.reason
    return ReportTable(
        id=table.id, number=table.number, title=str(table.title), unit=unit_label(table),
        multi_count=table.multi_count, note=str(table.note),
        row_codes=list(published.rows),
        row_labels=[code_label(rows_list, r, locale) for r in published.rows],
        column_codes=list(published.columns),
        column_labels=[code_label(column_list, c, locale) for c in published.columns],
        cells=dict(published.cells), row_totals=published.row_totals,
        column_totals=published.column_totals, grand_total=published.grand_total,
        has_grand_total=published.has_grand_total, withheld=published.withheld,
        withheld_reason=str(REASONS.get(reason, REASONS["unprotectable"])(published.k))
        if published.withheld else "",
        audit_passed=published.audit_passed, sensitive=published.sensitive)
