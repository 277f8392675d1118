"""The network submission file: codes only, hidden figures as null, valid against the schema in
docs/network-submission.schema.json.

jsonschema is not a dependency of the project: `validate` below checks a document against the
schema with the subset of JSON Schema (draft 2020-12) the schema uses, and a test makes sure
the schema uses nothing else, so the check is the schema's and not a copy of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

from casework.reports.exports import Centre
from casework.reports.exports.network import SCHEMA, network_document, to_network_json
from casework.reports.model import Period
from tests.reports.test_exports_csv import (GENERATED_ON, NEVER_EXPORTED, TRUE_HIDDEN, TOTAL,
                                            assert_no_identifiers, catalogue_codes, dates_in,
                                            hostile_report, sample_report)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "network-submission.schema.json"
CENTRE = Centre(country="GR")
VALIDATING = {"type", "const", "enum", "required", "properties", "additionalProperties", "items",
              "minimum", "maximum", "minLength", "maxLength", "pattern", "$ref"}
ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> None:
    """Raise AssertionError where `value` breaks `schema` (the keywords in VALIDATING)."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        validate(value, target, root, path)
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        assert any(_is_type(value, name) for name in names), f"{path}: not {types}"
    if "const" in schema:
        assert value == schema["const"], f"{path}: not {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: not one of {schema['enum']}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert value >= schema.get("minimum", value), f"{path}: below minimum"
        assert value <= schema.get("maximum", value), f"{path}: above maximum"
    if isinstance(value, str):
        assert len(value) >= schema.get("minLength", 0), f"{path}: too short"
        assert len(value) <= schema.get("maxLength", len(value)), f"{path}: too long"
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{path}: does not match the pattern"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: {key} is missing"
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], root, f"{path}.{key}")
            else:
                assert schema.get("additionalProperties", True) is not False, \
                    f"{path}: unexpected {key}"
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            validate(item, schema["items"], root, f"{path}[{index}]")


def keywords(schema: Any) -> Iterator[str]:
    """Every keyword used anywhere in the schema (property names excluded)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from keywords(sub)
            elif isinstance(value, (dict, list)):
                yield from keywords(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from keywords(item)


def check_shape(document: dict[str, Any]) -> None:
    """What the schema cannot say (docs/network-submission.md, "Checking a file")."""
    for table in document["tables"]:
        rows, columns = table["rows"], table["columns"]
        assert len(table["cells"]) == len(table["hidden"]) == len(rows)
        for line, hidden in zip(table["cells"], table["hidden"], strict=True):
            assert len(line) == len(hidden) == len(columns)
            assert hidden == [value is None for value in line]
        for key, codes in (("row_totals", rows), ("column_totals", columns)):
            assert table[key] is None or len(table[key]) == len(codes)
        if table["withheld"]:
            assert rows == columns == table["cells"] == [] and table["grand_total"] is None


def test_the_schema_is_draft_2020_12_and_uses_only_checked_keywords() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(keywords(schema)) <= VALIDATING | ANNOTATIONS
    assert schema["properties"]["schema"]["const"] == SCHEMA


@pytest.mark.parametrize("report", [sample_report(), sample_report(Period(2026, 2)),
                                    hostile_report()], ids=["year", "quarter", "hostile"])
def test_the_file_validates_against_the_schema(report: Any) -> None:
    document = json.loads(to_network_json(report, CENTRE))
    schema = load_schema()
    validate(document, schema, schema)
    check_shape(document)


@pytest.mark.parametrize("change", [
    lambda d: d.update(narrative="free text"),
    lambda d: d["period"].update(quarter=5),
    lambda d: d.pop("generated_on"),
    lambda d: d.update(generated_on="2027-01-15T13:45:12Z"),
    lambda d: d["tables"][0]["cells"][0].__setitem__(0, "c"),
    lambda d: d["tables"][0]["rows"].__setitem__(0, "Κάτω των 18"),
    lambda d: d["tables"][0].update(row_labels=["x"]),
], ids=["extra-field", "quarter", "no-date", "timestamp", "mark-in-cell", "label-as-code",
        "labels"])
def test_the_schema_check_refuses_what_the_schema_forbids(change: Any) -> None:
    document = json.loads(to_network_json(sample_report(), CENTRE))
    change(document)
    schema = load_schema()
    with pytest.raises(AssertionError):
        validate(document, schema, schema)


def test_header_fields() -> None:
    document = network_document(sample_report(Period(2026, 3)), CENTRE)
    assert {key: document[key] for key in ("schema", "schema_version", "centre", "period",
                                           "release", "generated_on", "threshold", "mark")} == {
        "schema": "casework-network-statistics", "schema_version": 1,
        "centre": {"country": "GR"}, "period": {"year": 2026, "quarter": 3},
        "release": "2026 release 1", "generated_on": GENERATED_ON,
        "threshold": {"k": 5, "k_sensitive": 10}, "mark": "c"}
    provisional = replace(sample_report(), release=None, released_at=None)
    assert network_document(provisional, CENTRE)["release"] is None
    assert network_document(sample_report(), CENTRE)["period"] == {"year": 2026, "quarter": None}


def test_a_published_table_in_codes() -> None:
    [table] = [t for t in network_document(sample_report(), CENTRE)["tables"]
               if t["id"] == "violence_by_age_group"]
    assert table == {
        "id": "violence_by_age_group", "number": 4, "unit": "γυναίκες", "multi_count": True,
        "sensitive": True, "rows": ["physical", "sexual"], "columns": ["under_18", "18_39"],
        "cells": [[2210, 3320], [None, None]], "hidden": [[False, False], [True, True]],
        "row_totals": [5530, None], "column_totals": [None, 10625], "has_grand_total": True,
        "grand_total": None, "withheld": False}


def test_hidden_figures_are_null_and_flagged_never_their_value() -> None:
    content = to_network_json(sample_report(), CENTRE)
    tables = {t["id"]: t for t in json.loads(content)["tables"]}
    for (table_id, row, column), true_value in TRUE_HIDDEN.items():
        table = tables[table_id]
        if TOTAL not in (row, column):
            i, j = table["rows"].index(row), table["columns"].index(column)
            assert (table["cells"][i][j], table["hidden"][i][j]) == (None, True)
        elif row == TOTAL and column == TOTAL:
            assert (table["has_grand_total"], table["grand_total"]) == (True, None)
        elif column == TOTAL:
            assert table["row_totals"][table["rows"].index(row)] is None
        else:
            assert table["column_totals"][table["columns"].index(column)] is None
        assert true_value != 0
    for number in NEVER_EXPORTED:
        assert not re.search(rf"(?<!\d){number}(?!\d)", content.decode()), number


def test_withheld_tables_carry_nothing_but_the_fact() -> None:
    tables = {t["id"]: t for t in network_document(sample_report(), CENTRE)["tables"]}
    for table_id in ("trafficking_by_area", "women_by_referral_source"):
        table = tables[table_id]
        assert table["withheld"] is True
        assert (table["rows"], table["columns"], table["cells"], table["hidden"]) == ([],) * 4
        assert (table["row_totals"], table["column_totals"], table["grand_total"]) == (None,) * 3


def test_a_scan_of_the_file_finds_only_codes_and_the_generation_day() -> None:
    report = sample_report()
    content = to_network_json(report, CENTRE)
    text = content.decode("utf-8")
    document = json.loads(text)
    # The only date: the "generated_on" field.
    assert dates_in(text) == [GENERATED_ON]
    assert document["generated_on"] == GENERATED_ON
    assert_no_identifiers(text)
    strings = list(_strings(document))
    units = {table.unit for table in report.tables}
    allowed = catalogue_codes(report) | units | {SCHEMA, "GR", "2026 release 1", GENERATED_ON, "c"}
    assert set(strings) - allowed == set()
    for table in report.tables:  # no translated word of the catalogue but the unit
        for label in (table.title, table.note, *table.row_labels, *table.column_labels):
            assert not label or label in units or label not in text, label
    assert report.mark_note not in text


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_same_report_gives_the_same_bytes() -> None:
    assert to_network_json(sample_report(), CENTRE) == to_network_json(sample_report(), CENTRE)
