"""Read and check the four published Decode Surveillance NYC files (DESIGN §8).

Every value is validated here, in Python, so that each error names its file and row; the
database work that follows (import_amnesty) is set-based and never sees a bad value.
Exact duplicate rows are skipped; a repeated id with other values is an error. Orphans
(submissions whose intersection is unknown or has no panorama, tags whose submission is unknown)
are errors unless `skip_orphans`, which imports the rest and lists them as warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.errors import ImportFailed
from app.services.imports.amnesty_rows import (
    CAMERAS,
    COUNTS,
    FILES,
    INTERSECTIONS,
    PANORAMAS,
    Intersection,
    RowParsers,
    SubmissionIn,
    TagIn,
)
from app.services.imports.common import MAX_ERRORS, CsvTable, Report, parse_lat_lon, read_csv

ProgressFn = Callable[[str, int, int], None]
# Two rows of one panorama closer than this (degrees, ~1 m) are the same position.
SAME_POSITION_DEG = 1e-5
__all__ = ["FILES", "AmnestyData", "ProgressFn", "read_amnesty", "read_directory_files"]


@dataclass
class AmnestyData:
    """The validated content of the four files, keyed by their own ids."""

    intersections: dict[str, Intersection] = field(default_factory=dict)
    # PanoramaId -> (lat, lon, capture date): GoogleLat/GoogleLong, else the requested position.
    panoramas: dict[str, tuple[float, float, date | None]] = field(default_factory=dict)
    submissions: dict[str, SubmissionIn] = field(default_factory=dict)
    tags: list[TagIn] = field(default_factory=list)
    report: Report = field(default_factory=Report)


def read_directory_files(read: Callable[[str], bytes | None]) -> dict[str, bytes]:
    """The four files by name (`read` returns None for a missing one); Invalid naming those."""
    found = {name: read(name) for name in FILES}
    missing = [name for name, content in found.items() if content is None]
    if missing:
        raise ImportFailed(
            f"Missing file(s): {', '.join(missing)}.",
            details=[{"file": name, "row": 0, "error": "file not found"} for name in missing],
        )
    return {name: content for name, content in found.items() if content is not None}


class _Reader:
    """Validates the files in dependency order, collecting row-numbered errors and warnings."""

    def __init__(
        self, tables: dict[str, CsvTable], skip_orphans: bool, progress: ProgressFn | None
    ):
        self.tables, self.parse = tables, RowParsers(tables)
        self.data = AmnestyData()
        self.report = self.data.report
        self.skip_orphans, self.progress = skip_orphans, progress
        self.orphans = 0
        self.orphaned: dict[str, int] = {}  # SubmissionId -> its counts.csv row
        self.report.counts.update(
            duplicates_skipped=0,
            orphans_skipped=0,
            panoramas_without_position=0,
            pitch_clamped=0,
            zoom_clamped=0,
            tag_count_mismatches=0,
        )

    def records(self, file: str) -> Iterator[tuple[int, list[str]]]:
        """A file's records, moving the progress bar every few thousand rows."""
        records = self.tables[file].records
        total = len(records)
        for index, record in enumerate(records, start=1):
            if self.progress is not None and (index % 5000 == 0 or index == total):
                self.progress(f"Checking {file}", index, total)
            yield record

    def repeated(
        self,
        file: str,
        first: dict[str, tuple[int, list[str]]],
        key: str,
        row: int,
        values: list[str],
    ) -> bool:
        """True for a repeated key: an exact duplicate is skipped, a different one is an error."""
        earlier_row, earlier_values = first.setdefault(key, (row, values))
        if earlier_row == row:
            return False
        if earlier_values == values:
            self.report.warn(row, f"duplicate of row {earlier_row}, skipped", file=file)
            self.report.counts["duplicates_skipped"] += 1
        else:
            self.report.error(
                row, f"id '{key}' repeats row {earlier_row} with other values", file=file
            )
        return True

    def orphan(self, file: str, row: int, message: str) -> None:
        self.orphans += 1
        if self.skip_orphans:
            self.report.warn(row, message + ", skipped", file=file)
            self.report.counts["orphans_skipped"] += 1
        else:
            self.report.error(row, message, file=file)

    def intersections(self) -> None:
        first: dict[str, tuple[int, list[str]]] = {}
        for row, values in self.records(INTERSECTIONS):
            try:
                ref, intersection = self.parse.intersection(row, values)
            except ValueError as exc:
                self.report.error(row, str(exc), file=INTERSECTIONS)
                continue
            if not self.repeated(INTERSECTIONS, first, ref, row, values):
                self.data.intersections[ref] = intersection

    def panoramas(self) -> None:
        positions: dict[str, tuple[int, float, float]] = {}
        pano_col, lat_col, lon_col = self.parse.pano
        for row, values in self.records(PANORAMAS):
            pano, lat, lon = values[pano_col], values[lat_col], values[lon_col]
            if not pano or not (lat or lon):
                continue  # nothing usable: its intersections fall back to their own position
            try:
                lat_value, lon_value = parse_lat_lon(lat, lon, "Google")
            except ValueError as exc:
                self.report.error(row, str(exc), file=PANORAMAS)
                continue
            first_row, first_lat, first_lon = positions.setdefault(
                pano, (row, lat_value, lon_value)
            )
            if abs(first_lat - lat_value) + abs(first_lon - lon_value) > SAME_POSITION_DEG:
                message = f"PanoramaId '{pano}' has another position at row {first_row}, kept"
                self.report.warn(row, message, file=PANORAMAS)
        self._place_panoramas(positions)

    def _place_panoramas(self, positions: dict[str, tuple[int, float, float]]) -> None:
        for intersection in self.data.intersections.values():
            pano = intersection.panorama_id
            if pano is None or pano in self.data.panoramas:
                continue
            if pano in positions:
                _, lat_value, lon_value = positions[pano]
            else:
                lat_value, lon_value = intersection.lat, intersection.lon
                self.report.counts["panoramas_without_position"] += 1
                message = (
                    f"PanoramaId '{pano}' is not in {PANORAMAS}: using the intersection's position"
                )
                self.report.warn(intersection.row, message, file=INTERSECTIONS)
            self.data.panoramas[pano] = (lat_value, lon_value, intersection.image_date)

    def counts(self) -> None:
        first: dict[str, tuple[int, list[str]]] = {}
        for row, values in self.records(COUNTS):
            try:
                ref, submission = self.parse.submission(row, values)
            except ValueError as exc:
                self.report.error(row, str(exc), file=COUNTS)
                continue
            if self.repeated(COUNTS, first, ref, row, values):
                continue
            intersection = self.data.intersections.get(submission.intersection)
            if intersection is not None and intersection.panorama_id is not None:
                self.data.submissions[ref] = submission
                continue
            self.orphaned[ref] = row
            problem = "has no PanoramaId" if intersection else f"is not in {INTERSECTIONS}"
            self.orphan(COUNTS, row, f"IntersectionId '{submission.intersection}' {problem}")

    def cameras(self) -> None:
        first: dict[str, tuple[int, list[str]]] = {}
        sub_col, id_col = self.parse.cams[:2]
        for row, values in self.records(CAMERAS):
            ref, tag_id = values[sub_col], values[id_col]
            key = f"{ref}\x00{tag_id}" if tag_id else f"{ref}\x00{values}"
            if self.repeated(CAMERAS, first, key, row, values):
                continue
            try:
                tag = self.parse.tag(row, values)
            except ValueError as exc:
                self.report.error(row, str(exc), file=CAMERAS)
                continue
            self.report.counts["pitch_clamped"] += tag.pitch_clamped
            self.report.counts["zoom_clamped"] += tag.zoom_clamped
            if ref in self.data.submissions:
                self.data.tags.append(tag)
            elif ref in self.orphaned:
                self.orphan(
                    CAMERAS, row, f"its submission ({COUNTS} row {self.orphaned[ref]}) is an orphan"
                )
            else:
                self.orphan(CAMERAS, row, f"unknown SubmissionId '{ref}'")

    def check_consistency(self) -> None:
        """Warn where published counts and tag rows disagree (both are kept as published)."""
        tags_per: dict[str, int] = {}
        for tag in self.data.tags:
            tags_per[tag.submission] = tags_per.get(tag.submission, 0) + 1
            if tag.decoder and tag.decoder != self.data.submissions[tag.submission].decoder:
                self.report.warn(tag.row, "DecoderId differs from its submission's", file=CAMERAS)
        for ref, sub in self.data.submissions.items():
            tags = tags_per.get(ref, 0)
            n_cameras = sub.counts[0]  # counts follow counts.csv's column order: n_cameras first
            if tags != n_cameras:
                self.report.counts["tag_count_mismatches"] += 1
                message = f"n_cameras is {n_cameras} but {CAMERAS} has {tags} tag(s)"
                self.report.warn(sub.row, message, file=COUNTS)


def read_amnesty(
    files: Mapping[str, bytes], *, skip_orphans: bool = False, progress: ProgressFn | None = None
) -> AmnestyData:
    """Validate the four files; Invalid with file- and row-numbered errors if any is wrong."""
    tables = {}
    for done, name in enumerate(FILES, start=1):
        tables[name] = read_csv(files[name], file=name)
        if progress is not None:
            progress("Reading files", done, len(FILES))
    reader = _Reader(tables, skip_orphans, progress)
    reader.intersections()
    reader.panoramas()
    reader.counts()
    reader.cameras()
    errors = reader.report.errors
    if errors:
        hint = " Orphan rows can be skipped with skip_orphans." if reader.orphans else ""
        raise ImportFailed(
            f"The Decode Surveillance files have {len(errors)} error(s); nothing was imported."
            + hint,
            details=errors[:MAX_ERRORS],
        )
    reader.check_consistency()
    return reader.data
