// Map style and layers: only our own sources (GeoJSON and vector tiles); no basemap by default.
import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from "maplibre-gl";

export type Filter = "all" | "street_furniture" | "dome_ptz";

// Sequential ramp (light yellow → deep red → purple), readable on the plain background.
export const RAMP = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026", "#49006a"];
// Areas use a blue ramp so they never read as hexagons drawn over them.
export const AREA_RAMP = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
export const HEX_BREAKS = [1, 2, 5, 10, 20, 50];
export const ATTACHMENT_COLORS: Record<string, string> = {
  street_furniture: "#1f78b4",
  building: "#d95f02",
  other: "#7570b3",
};
export const CAMERA_MIN_ZOOM = 14;
export const AREA_MAX_ZOOM = 12;

/** The property coloured and counted for a filter. */
export const hexProperty = (filter: Filter) => (filter === "all" ? "cameras" : filter);

export function stepColor(property: string, breaks: number[], ramp = RAMP): ExpressionSpecification {
  const stops: (number | string)[] = [];
  breaks.slice(1).forEach((b, i) => stops.push(b, ramp[i + 1]));
  return ["step", ["to-number", ["get", property], 0], ramp[0], ...stops] as ExpressionSpecification;
}

export function cameraFilter(filter: Filter): ExpressionSpecification {
  const confirmed: ExpressionSpecification = ["==", ["get", "status"], "confirmed"];
  if (filter === "street_furniture") return ["all", confirmed, ["==", ["get", "attachment"], "street_furniture"]];
  if (filter === "dome_ptz") return ["all", confirmed, ["==", ["get", "camera_type"], "dome_ptz"]];
  return confirmed;
}

export function hexFilter(filter: Filter): ExpressionSpecification {
  return [">", ["to-number", ["get", hexProperty(filter)], 0], 0];
}

export function baseStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }],
  };
}

export function ourLayers(areaBreaks: number[]): LayerSpecification[] {
  return [
    {
      id: "areas-fill",
      type: "fill",
      source: "areas",
      maxzoom: AREA_MAX_ZOOM,
      paint: { "fill-color": stepColor("per_km2", areaBreaks, AREA_RAMP), "fill-opacity": 0.8 },
    },
    { id: "areas-line", type: "line", source: "areas", paint: { "line-color": "#34495e", "line-width": 1.2 } },
    {
      id: "hexagons-fill",
      type: "fill",
      source: "hexagons",
      "source-layer": "hexagons",
      maxzoom: 16,
      filter: hexFilter("all"),
      paint: {
        "fill-color": stepColor("cameras", HEX_BREAKS),
        "fill-opacity": ["interpolate", ["linear"], ["zoom"], 13, 0.8, 15.5, 0.25],
        "fill-outline-color": "#ffffff",
      },
    },
    {
      id: "cameras-sightline",
      type: "symbol",
      source: "cameras",
      "source-layer": "cameras",
      minzoom: CAMERA_MIN_ZOOM,
      filter: ["all", cameraFilter("all"), ["has", "bearing"]],
      layout: {
        "icon-image": "sightline",
        "icon-rotate": ["to-number", ["get", "bearing"], 0],
        "icon-rotation-alignment": "map",
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
    {
      id: "cameras",
      type: "circle",
      source: "cameras",
      "source-layer": "cameras",
      minzoom: CAMERA_MIN_ZOOM,
      filter: cameraFilter("all"),
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 4, 18, 8],
        "circle-color": [
          "match",
          ["get", "attachment"],
          "street_furniture",
          ATTACHMENT_COLORS.street_furniture,
          "building",
          ATTACHMENT_COLORS.building,
          ATTACHMENT_COLORS.other,
        ],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.5,
      },
    },
  ];
}

/** A wedge pointing up (north), rotated per camera to show the sight line's bearing. */
export function sightlineImage(): ImageData {
  const size = 48;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "rgba(29, 53, 87, 0.55)";
  ctx.beginPath();
  ctx.moveTo(size / 2, size / 2);
  ctx.lineTo(size / 2 - 9, 2);
  ctx.lineTo(size / 2 + 9, 2);
  ctx.closePath();
  ctx.fill();
  return ctx.getImageData(0, 0, size, size);
}
