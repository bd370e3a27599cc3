// The public density map: hexagons and an area choropleth when zoomed out, cameras when in.
import "maplibre-gl/dist/maplibre-gl.css";
import "../styles.css";
import maplibregl, { type GeoJSONSource, type LngLatBoundsLike, type MapGeoJSONFeature } from "maplibre-gl";
import { get } from "../lib/api";
import { byId, h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { chooseCampaign, publicConfig } from "../lib/session";
import { initShell } from "../lib/shell";
import type { Campaign } from "../lib/types";
import { areaTable, legend, popupContent, type AreaFeature } from "./panels";
import {
  CAMERA_MIN_ZOOM,
  HEX_BREAKS,
  baseStyle,
  cameraFilter,
  hexFilter,
  hexProperty,
  ourLayers,
  sightlineImage,
  stepColor,
  type Filter,
} from "./layers";

const root = byId("map-root");
const mapEl = h("div", { id: "map", class: "map", role: "region", i18nLabel: "map.label" });
const side = h("aside", { class: "map-side" });
let filter: Filter = "all";
let areas: AreaFeature[] = [];

declare global {
  interface Window {
    __decoders?: Record<string, unknown>;
  }
}

/** Class breaks at the areas' density quintiles (distinct, rounded), so colours spread out. */
function areaBreaks(features: AreaFeature[]): number[] {
  const values = features.map((f) => Number(f.properties.per_km2) || 0).sort((a, b) => a - b);
  const q = (p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))];
  const cuts = [0.2, 0.4, 0.6, 0.8].map((p) => Math.round((q(p) ?? 0) * 10) / 10).filter((v) => v > 0);
  const breaks = [0, ...new Set(cuts)];
  return breaks.length > 1 ? breaks : [0, 1, 2, 5, 10, 20];
}

function bounds(features: AreaFeature[]): LngLatBoundsLike | null {
  const b = new maplibregl.LngLatBounds();
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") b.extend([c[0], c[1]] as [number, number]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  features.forEach((f) => walk((f.geometry as { coordinates: unknown }).coordinates));
  return b.isEmpty() ? null : b;
}

function applyFilter(map: maplibregl.Map): void {
  map.setFilter("hexagons-fill", hexFilter(filter));
  map.setPaintProperty("hexagons-fill", "fill-color", stepColor(hexProperty(filter), HEX_BREAKS));
  map.setFilter("cameras", cameraFilter(filter));
  map.setFilter("cameras-sightline", ["all", cameraFilter(filter), ["has", "bearing"]]);
  // Areas only carry the total: show them for "all" and let the hexagons speak for the filters.
  map.setLayoutProperty("areas-fill", "visibility", filter === "all" ? "visible" : "none");
}

function renderSide(map: maplibregl.Map, breaks: number[]): void {
  replace(
    side,
    legend(filter, breaks, (next) => {
      filter = next;
      applyFilter(map);
      renderSide(map, breaks);
    }),
    areaTable(areas, (feature) => {
      const b = bounds([feature]);
      if (b) map.fitBounds(b, { padding: 30 });
    }),
  );
}

function addLayers(map: maplibregl.Map, campaign: Campaign, breaks: number[]): void {
  const tiles = (layer: string) => [`${location.origin}/tiles/${campaign.slug}/${layer}/{z}/{x}/{y}.mvt`];
  map.addImage("sightline", sightlineImage());
  map.addSource("areas", { type: "geojson", data: { type: "FeatureCollection", features: areas } });
  map.addSource("hexagons", { type: "vector", tiles: tiles("hexagons"), maxzoom: 16 });
  map.addSource("cameras", { type: "vector", tiles: tiles("cameras"), maxzoom: 16 });
  for (const layer of ourLayers(breaks)) map.addLayer(layer);
  for (const id of ["cameras", "hexagons-fill", "areas-fill"]) {
    map.on("click", id, (e) => {
      const feature = e.features?.[0] as MapGeoJSONFeature | undefined;
      // Cameras sit on top of hexagons and areas: the topmost layer answers alone.
      const top = map.queryRenderedFeatures(e.point, { layers: ["cameras", "hexagons-fill", "areas-fill"] })[0];
      if (!feature || top?.layer.id !== id) return;
      new maplibregl.Popup({ maxWidth: "280px" }).setLngLat(e.lngLat).setDOMContent(popupContent(id, feature.properties)).addTo(map);
    });
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
}

async function start(): Promise<void> {
  const { campaign } = await chooseCampaign();
  if (!campaign) {
    replace(root, h("p", { class: "card narrow", i18n: "map.noCampaign" }));
    return;
  }
  replace(root, h("div", { class: "map-page" }, h("h1", { class: "sr-only" }, campaign.name), mapEl, side));
  const [config, areaData] = await Promise.all([
    publicConfig(),
    get<{ features: AreaFeature[] }>(`/campaigns/${campaign.slug}/density/areas?kind=borough`).catch(() => ({ features: [] })),
  ]);
  areas = areaData.features;
  const breaks = areaBreaks(areas);
  const map = new maplibregl.Map({
    container: mapEl,
    style: config.basemap_style_url || baseStyle(),
    bounds: bounds(areas) ?? undefined,
    fitBoundsOptions: { padding: 20 },
    center: [0, 20],
    zoom: 1,
    attributionControl: { compact: true, customAttribution: t("map.attribution") },
    cooperativeGestures: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-right");
  map.on("load", () => {
    addLayers(map, campaign, breaks);
    renderSide(map, breaks);
  });
  window.addEventListener("decoders:language", () => renderSide(map, breaks));
  window.__decoders = { map, CAMERA_MIN_ZOOM, areasSource: () => map.getSource("areas") as GeoJSONSource };
}

document.title = `Decoders — ${t("title.map")}`;
void initShell("map").then(start);
