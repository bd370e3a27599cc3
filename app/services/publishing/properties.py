"""Each layer's properties, defined once, and the SQL that encodes them as GeoJSON and CSV.

A property names a column of the layer's query (app/services/publishing/queries.py) and how
it is written. From that one list PostgreSQL builds the GeoJSON feature (json_build_object)
and the CSV row (COPY), so pages, items, GeoJSON Text Sequences and CSV cannot drift apart:
the rows never pass through Python objects on their way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Float,
    Numeric,
    Text,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from app.models.results import COUNT_CATEGORIES
from app.services.publishing import features

# value: as stored; float: float8 (CSV writes 2.0, not 2, as the Python exports did);
# time: RFC 3339; day: YYYY-MM-DD of a timestamp; month: YYYY-MM of a date;
# list: a text array (CSV: "; "-joined); flag: a boolean (CSV: True/False); osm: the tags.
Kind = Literal["value", "float", "time", "day", "month", "list", "flag", "osm"]


@dataclass(frozen=True)
class Prop:
    """One published property: its name, the query column it comes from, how it is written."""

    name: str
    column: str
    kind: Kind = "value"
    area_kind: str | None = None  # counts: the `area_<kind>` columns read the `areas` column


def _props(*spec: tuple[str, Kind] | str) -> tuple[Prop, ...]:
    return tuple(Prop(s, s) if isinstance(s, str) else Prop(s[0], s[0], s[1]) for s in spec)


IMAGERY = _props(("imagery_licences", "list"), ("imagery_attributions", "list"))
CAMERAS = (
    *_props("id", "status", ("confidence", "float"), "attachment", "camera_type",
            "location_method", ("uncertainty_m", "float"), "support", "voters", "n_panoramas",
            ("bearing", "float"), "task_id", "method_version", ("computed_at", "time")),
    *IMAGERY,
    Prop("osm_compatible", "osm_compatible", "flag"),
    Prop("osm", "attachment", "osm"),
)  # fmt: skip
COUNTS_FIXED = (
    *_props("task_id", "n"),
    *_props(*((f"median_{c}", "float") for c in COUNT_CATEGORIES)),
    *_props(*(f"agreement_{c}" for c in COUNT_CATEGORIES)),
    *_props(("total", "float")),
    Prop("image_date", "captured_at", "month"),
    Prop("provider", "provider"),
    Prop("pano_id", "provider_id"),
    *_props("method_version", ("computed_at", "time")),
    *IMAGERY,
)
TAGS = (
    *_props("id", "task_id", "decoder", ("heading", "float"), ("pitch", "float"),
            ("zoom", "float"), "attachment", "camera_type", ("base_heading", "float"),
            ("base_pitch", "float")),
    Prop("submitted", "submitted_at", "day"),
    *IMAGERY,
)  # fmt: skip


def counts(kinds: Sequence[str]) -> tuple[Prop, ...]:
    """The counts layer's properties: the fixed ones, then one `area_<kind>` per kind."""
    areas = (Prop(f"area_{kind}", "areas", "value", area_kind=kind) for kind in kinds)
    return (*COUNTS_FIXED, *areas)


def _osm_values(attachment: Any, camera_type: Any) -> list[tuple[str, ColumnElement[Any]]]:
    # The vocabulary of features.osm_tags, as SQL: a key whose value is NULL is left out.
    def mapped(column: Any, mapping: dict[str, str]) -> ColumnElement[Any]:
        return case(*((column == k, literal(v)) for k, v in mapping.items()), else_=None)

    return [
        ("man_made", literal("surveillance")),
        ("surveillance", mapped(attachment, {"street_furniture": "public"})),
        ("surveillance:type", literal("camera")),
        ("camera:type", mapped(camera_type, features.OSM_CAMERA_TYPE)),
        ("camera:mount", mapped(attachment, features.OSM_MOUNT)),
        ("camera:direction", cast(None, Text)),
    ]


def _area_names(areas: Any, kind: str) -> ColumnElement[Any]:
    # `areas` is [[kind, name], ...]; "; "-joined names of one kind, sorted by code point as
    # Python's sorted() did (COLLATE "C"), NULL when none.
    element = func.jsonb_array_elements(areas).table_valued("value").render_derived("e")
    name = element.c.value.op("->>")(1)
    joined = func.string_agg(name, aggregate_order_by(literal("; "), name.collate("C")))
    return (
        select(joined)
        .select_from(element)
        .where(element.c.value.op("->>")(0) == kind)
        .scalar_subquery()
    )


def _name(text: str) -> ColumnElement[Any]:
    # Our own constants (property names), inlined rather than bound: forty bind parameters
    # per feature would only make the statement longer.
    return literal_column("'" + text.replace("'", "''") + "'")


def json_value(prop: Prop, row: Any) -> ColumnElement[Any]:
    """The property's value for json_build_object."""
    column: ColumnElement[Any] = row.c[prop.column]
    if prop.area_kind is not None:
        return _area_names(column, prop.area_kind)
    if prop.kind == "day":
        return func.to_char(column, "YYYY-MM-DD")
    if prop.kind == "month":
        return func.to_char(column, "YYYY-MM")
    if prop.kind == "list":
        return func.coalesce(column, cast(literal_column("'{}'"), ARRAY(Text)))
    if prop.kind == "flag":
        return func.coalesce(column, false())
    if prop.kind == "float":
        # Written 2.0 rather than 2, so a reader guessing types from the values (GDAL does)
        # sees a real number.
        return cast(_float_text(column), JSON)
    if prop.kind == "osm":
        pairs = _osm_values(row.c.attachment, row.c.camera_type)
        return func.json_strip_nulls(
            func.json_build_object(*(x for key, value in pairs for x in (_name(key), value)))
        )
    return column


def _float_text(value: Any) -> ColumnElement[Any]:
    # float8 prints 2 where Python's repr printed 2.0: the CSV keeps the decimal point.
    as_text = cast(value, Text)
    return case((as_text.regexp_match("^-?[0-9]+$"), as_text + ".0"), else_=as_text)


def _csv_values(prop: Prop, row: Any) -> list[tuple[str, ColumnElement[Any]]]:
    if prop.kind == "osm":
        values = _osm_values(row.c.attachment, row.c.camera_type)
        return [(f"osm:{key}", value) for key, value in values]
    if prop.kind == "float":
        return [(prop.name, _float_text(row.c[prop.column]))]
    value = json_value(prop, row)
    if prop.kind == "time":
        value = func.to_json(value).op("#>>")(literal_column("'{}'"))
    elif prop.kind == "list":
        value = func.array_to_string(value, "; ")
    elif prop.kind == "flag":
        value = case((value, "True"), else_="False")
    return [(prop.name, value)]


def coordinates(row: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """lon and lat rounded to 7 decimals (RFC 7946 §11.2), as float8."""
    return (
        cast(func.round(cast(row.c.lon, Numeric), features.DECIMALS), Float),
        cast(func.round(cast(row.c.lat, Numeric), features.DECIMALS), Float),
    )


def feature(props: Sequence[Prop], row: Any, key: str) -> ColumnElement[Any]:
    """The row as an RFC 7946 Feature (json) with the row's `key` as its id."""
    lon, lat = coordinates(row)
    geometry = func.json_build_object(
        _name("type"), _name("Point"), _name("coordinates"), func.json_build_array(lon, lat)
    )
    properties = func.json_build_object(
        *(x for prop in props for x in (_name(prop.name), json_value(prop, row)))
    )
    return func.json_build_object(
        _name("type"), _name("Feature"), _name("id"), row.c[key],
        _name("geometry"), geometry, _name("properties"), properties,
    )  # fmt: skip


def csv_columns(props: Sequence[Prop], row: Any) -> list[ColumnElement[Any]]:
    """lon, lat and every property as CSV text, labelled with the CSV header."""
    lon, lat = coordinates(row)
    columns: list[ColumnElement[Any]] = [
        _float_text(lon).label("lon"),
        _float_text(lat).label("lat"),
    ]
    for prop in props:
        columns += [value.label(name) for name, value in _csv_values(prop, row)]
    return columns


def csv_header(props: Sequence[Prop]) -> list[str]:
    """The CSV header the columns above carry."""
    names = ["lon", "lat"]
    for prop in props:
        if prop.kind == "osm":
            names += [f"osm:{key}" for key in features.OSM_KEYS]
        else:
            names.append(prop.name)
    return names
