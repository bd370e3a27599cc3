// The map's side panel (legend, filters, per-area table) and its popups.
import { h } from "../lib/dom";
import { formatNumber, formatPercent, t, type Key } from "../lib/i18n";
import { AREA_RAMP, ATTACHMENT_COLORS, HEX_BREAKS, RAMP, type Filter } from "./layers";

export interface AreaFeature {
  type: "Feature";
  geometry: unknown;
  properties: {
    id: number;
    name: string;
    kind: string;
    cameras: number;
    area_km2: number;
    per_km2: number;
    locations: number | null;
    per_location: number | null;
    share_with_camera: number | null;
    coverage: number | null;
  };
}

const FILTERS: Filter[] = ["all", "street_furniture", "dome_ptz"];

function ramp(breaks: number[], digits: number, colors = RAMP): HTMLElement {
  return h(
    "ul",
    { class: "ramp" },
    ...breaks.map((b, i) =>
      h(
        "li",
        {},
        h("span", { class: "swatch", style: `background:${colors[i]}` }),
        i + 1 < breaks.length ? `${formatNumber(b, digits)}–${formatNumber(breaks[i + 1], digits)}` : `≥ ${formatNumber(b, digits)}`,
      ),
    ),
  );
}

export function legend(filter: Filter, areaBreaks: number[], onFilter: (f: Filter) => void): HTMLElement {
  return h(
    "section",
    { class: "legend", "aria-labelledby": "legend-title" },
    h("h2", { id: "legend-title", i18n: "map.legend" }),
    h(
      "fieldset",
      { class: "filters" },
      h("legend", { i18n: "map.show" }),
      ...FILTERS.map((f) =>
        h(
          "label",
          { class: "radio" },
          h("input", { type: "radio", name: "filter", value: f, checked: f === filter, onChange: () => onFilter(f) }),
          h("span", { i18n: `map.filter.${f}` as Key }),
        ),
      ),
    ),
    h("h3", { i18n: "map.hexTitle" }),
    ramp(HEX_BREAKS, 0),
    filter === "all" && h("h3", { i18n: "map.areaTitle" }),
    filter === "all" && ramp(areaBreaks, 1, AREA_RAMP),
    h("h3", { i18n: "map.camerasTitle" }),
    h(
      "ul",
      { class: "ramp" },
      ...Object.entries(ATTACHMENT_COLORS).map(([k, color]) =>
        h("li", {}, h("span", { class: "dot", style: `background:${color}` }), h("span", { i18n: `attachment.${k}` as Key })),
      ),
      h("li", {}, h("span", { class: "wedge", "aria-hidden": "true" }), h("span", { i18n: "map.sightline" })),
    ),
    h("p", { class: "hint", i18n: "map.zoomHint" }),
  );
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "–" : formatPercent(v));
const num = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? "–" : formatNumber(v, digits));

export function areaTable(areas: AreaFeature[], onPick: (a: AreaFeature) => void): HTMLElement {
  const sorted = [...areas].sort((a, b) => (b.properties.per_km2 ?? 0) - (a.properties.per_km2 ?? 0));
  type P = AreaFeature["properties"];
  const columns: [Key, (p: P) => string, (p: P) => unknown][] = [
    ["map.col.cameras", (p) => formatNumber(p.cameras), (p) => p.cameras],
    ["map.col.perKm2", (p) => num(p.per_km2), (p) => p.per_km2],
    ["map.col.perLocation", (p) => num(p.per_location, 2), (p) => p.per_location],
    ["map.col.coverage", (p) => pct(p.coverage), (p) => p.coverage],
  ];
  // A column nobody has a value for (e.g. no locations imported) only takes room.
  const shown = columns.filter(([, , raw]) => sorted.some((a) => raw(a.properties) !== null && raw(a.properties) !== undefined));
  return h(
    "section",
    { class: "areas", "aria-labelledby": "areas-title" },
    h("h2", { id: "areas-title", i18n: "map.areasTitle" }),
    areas.length === 0
      ? h("p", { class: "hint", i18n: "map.noAreas" })
      : h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { id: "area-table" },
            h(
              "thead",
              {},
              h("tr", {}, h("th", { scope: "col", i18n: "map.col.area" }), ...shown.map(([k]) => h("th", { scope: "col", i18n: k }))),
            ),
            h(
              "tbody",
              {},
              ...sorted.map((a) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, h("button", { type: "button", class: "link", onClick: () => onPick(a) }, a.properties.name)),
                  ...shown.map(([, cell]) => h("td", {}, cell(a.properties))),
                ),
              ),
            ),
          ),
        ),
  );
}

type Props = Record<string, unknown>;
const row = (key: Key, value: string) => h("tr", {}, h("th", { scope: "row", i18n: key }), h("td", {}, value));

export function popupContent(layer: string, p: Props): HTMLElement {
  const n = (k: string) => Number(p[k] ?? 0);
  if (layer === "cameras") {
    return h(
      "div",
      { class: "popup" },
      h("h3", { i18n: "map.popup.camera" }),
      h(
        "table",
        {},
        row("map.popup.attachment", t(`attachment.${p.attachment}` as Key)),
        row("map.popup.type", t(`camera_type.${p.camera_type}` as Key)),
        row("map.popup.confidence", pct(p.confidence as number)),
        p.location_method ? row("map.popup.method", t(`method.${p.location_method}` as Key)) : null,
        p.uncertainty_m !== undefined ? row("map.popup.uncertainty", `± ${formatNumber(n("uncertainty_m"))} m`) : null,
        p.bearing !== undefined && p.bearing !== null ? row("map.popup.bearing", `${formatNumber(n("bearing"))}°`) : null,
      ),
    );
  }
  if (layer === "hexagons-fill") {
    return h(
      "div",
      { class: "popup" },
      h("h3", { i18n: "map.popup.hexagon" }),
      h(
        "table",
        {},
        row("map.filter.all", formatNumber(n("cameras"))),
        row("map.filter.street_furniture", formatNumber(n("street_furniture"))),
        row("map.filter.dome_ptz", formatNumber(n("dome_ptz"))),
        row("map.col.perKm2", formatNumber(n("per_km2"), 1)),
      ),
    );
  }
  return h(
    "div",
    { class: "popup" },
    h("h3", {}, String(p.name ?? "")),
    h(
      "table",
      {},
      row("map.col.cameras", formatNumber(n("cameras"))),
      row("map.col.perKm2", formatNumber(n("per_km2"), 1)),
      p.per_location !== null && p.per_location !== undefined ? row("map.col.perLocation", formatNumber(n("per_location"), 2)) : null,
      p.coverage !== null && p.coverage !== undefined ? row("map.col.coverage", pct(n("coverage"))) : null,
    ),
  );
}
