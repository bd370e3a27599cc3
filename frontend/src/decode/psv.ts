// Equirectangular panoramas in Photo Sphere Viewer (WebGL, from npm; no network at run time):
// whole images (our own, Mapillary's) or tiled ones (Panoramax) over a low-resolution base.
import { Viewer } from "@photo-sphere-viewer/core";
import { EquirectangularTilesAdapter, type EquirectangularTilesPanorama } from "@photo-sphere-viewer/equirectangular-tiles-adapter";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import "@photo-sphere-viewer/core/index.css";
import "@photo-sphere-viewer/markers-plugin/index.css";
import { clamp, degToRad, headingToYaw, hfovToZoom, radToDeg, yawToHeading } from "../lib/angles";
import type { ImageTiles } from "../lib/types";
import type { MarkerSpec, PanoView, Pov } from "./view";

// Photo Sphere Viewer turns a second click within 300 ms of the first into a "dblclick" that
// carries the first click's position, or into nothing at all when it lands elsewhere; quick
// successive taps (tag one camera, turn, tag the next) were lost that way. So taps are read
// from pointer events here, with the viewer's own rules: primary button, moved less than
// 4 px (a drag turns the view), a touch held under 500 ms (longer is its "right click").
const MOVE_THRESHOLD = 4;
const LONG_TOUCH_MS = 500;

function onTap(container: HTMLElement, handler: (clientX: number, clientY: number) => void): void {
  let down: { id: number; x: number; y: number; at: number; touch: boolean } | null = null;
  container.addEventListener("pointerdown", (e) => {
    const onImage = e.target instanceof Element && !e.target.closest(".psv-marker");
    down =
      e.isPrimary && e.button === 0 && onImage
        ? { id: e.pointerId, x: e.clientX, y: e.clientY, at: e.timeStamp, touch: e.pointerType === "touch" }
        : null;
  });
  const moved = (e: PointerEvent) => !!down && Math.hypot(e.clientX - down.x, e.clientY - down.y) >= MOVE_THRESHOLD * devicePixelRatio;
  container.addEventListener("pointermove", (e) => {
    if (down && (e.pointerId !== down.id || moved(e))) down = null;
  });
  container.addEventListener("pointercancel", () => (down = null));
  window.addEventListener("pointerup", (e) => {
    const tap = down;
    down = null;
    if (!tap || e.pointerId !== tap.id || moved(e) || (tap.touch && e.timeStamp - tap.at >= LONG_TOUCH_MS)) return;
    handler(e.clientX, e.clientY);
  });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The tiles adapter's panorama: `{col}`/`{row}` filled in the provider's URL template. */
function tiledPanorama(tiles: ImageTiles, base: string | null | undefined): EquirectangularTilesPanorama {
  return {
    baseUrl: base ?? undefined,
    width: tiles.width,
    cols: tiles.cols,
    rows: tiles.rows,
    tileUrl: (col, row) => tiles.url.replace("{col}", String(col)).replace("{row}", String(row)),
  };
}

/** A viewer in its own layer of `container`; `tiled` ones take tiled panoramas only (PSV picks
 * one adapter per viewer), so the task screen keeps one of each and shows the one it needs. */
export function createPsvView(container: HTMLElement, { tiled = false } = {}): PanoView {
  let panoHeading = 0;
  const host = document.createElement("div");
  host.className = "psv-host";
  container.append(host);
  const viewer = new Viewer({
    container: host,
    // The base is the provider's whole picture, not a thumbnail: no need to blur it.
    ...(tiled ? { adapter: EquirectangularTilesAdapter.withConfig({ baseBlur: false }) } : {}),
    navbar: false, // our own translated, keyboard-reachable controls replace it
    keyboard: false, // handled by the task screen (arrows, +/-, Enter tags the centre)
    minFov: 8,
    maxFov: 100,
    defaultZoomLvl: 20,
    mousewheelCtrlKey: false,
    touchmoveTwoFingers: false,
    loadingTxt: "",
    canvasBackground: "#1d2630",
    defaultTransition: null as never,
    plugins: [[MarkersPlugin, { clickEventOnMarker: false, defaultHoverScale: false }]],
  });
  const markers = viewer.getPlugin<MarkersPlugin>(MarkersPlugin);
  let shown = ""; // signature of the pins on screen
  const toPov = (yaw: number, pitch: number): Pov => ({
    heading: yawToHeading(yaw, panoHeading),
    pitch: radToDeg(pitch),
    zoom: hfovToZoom(viewer.state.hFov),
  });
  const position = (heading: number, pitch: number) => ({
    yaw: headingToYaw(heading, panoHeading),
    pitch: degToRad(pitch),
  });

  return {
    raw: viewer,
    async load({ url, heading, tiles }) {
      panoHeading = heading;
      markers.clearMarkers();
      shown = "";
      const panorama = tiled && tiles ? tiledPanorama(tiles, url) : url;
      await viewer.setPanorama(panorama, { position: { yaw: 0, pitch: 0 }, zoom: 20, transition: false });
      // The frame may have changed size with this task (the tutorial banner comes or goes), and
      // the viewer's own resize observer catches up only after a throttle: until then a click
      // would be read against the old size, and land a few degrees off.
      viewer.autoSize();
    },
    setActive(active) {
      host.hidden = !active;
      if (active) viewer.autoSize(); // it may have been laid out while hidden
    },
    pov() {
      const p = viewer.getPosition();
      return toPov(p.yaw, p.pitch);
    },
    look(heading, pitch) {
      viewer.rotate(position(heading, pitch));
    },
    pan(dHeading, dPitch) {
      const p = viewer.getPosition();
      viewer.rotate({ yaw: p.yaw + degToRad(dHeading), pitch: clamp(p.pitch + degToRad(dPitch), -Math.PI / 2, Math.PI / 2) });
    },
    zoomBy(steps) {
      viewer.zoom(clamp(viewer.getZoomLevel() + steps * 10, 0, 100));
    },
    setMarkers(specs: MarkerSpec[]) {
      // Rebuilding pins that did not change would only churn the DOM under the pointer.
      const signature = JSON.stringify([panoHeading, specs]);
      if (signature === shown) return;
      shown = signature;
      markers.clearMarkers();
      for (const m of specs) {
        if (m.base) {
          markers.addMarker({
            id: `${m.id}:line`,
            polyline: [
              [headingToYaw(m.heading, panoHeading), degToRad(m.pitch)],
              [headingToYaw(m.base.heading, panoHeading), degToRad(m.base.pitch)],
            ],
            svgStyle: { stroke: "#ffd166", strokeWidth: "2px", strokeDasharray: "4 4" },
          });
          markers.addMarker({
            id: `${m.id}:base`,
            position: position(m.base.heading, m.base.pitch),
            html: `<span class="pin-base" aria-hidden="true"></span>`,
            size: { width: 14, height: 14 },
            anchor: "center center",
          });
        }
        markers.addMarker({
          id: m.id,
          position: position(m.heading, m.pitch),
          // A native title rather than the plugin's tooltip: PSV 5.15 destroys a hidden tooltip
          // both on a timer and on its transitionend, and when the timer wins, the transitionend
          // already queued still arrives and removes the element a second time ("removeChild: The
          // node to be removed is not a child of this node"). Re-rendering the pins while the
          // pointer rests on one (it appears under the click that placed it) set that off.
          html: `<span class="pin pin-${m.kind}" aria-hidden="true" title="${escapeHtml(m.title)}"><span class="pin-label">${escapeHtml(m.label)}</span></span>`,
          size: { width: 30, height: 30 },
          anchor: "center center",
          zIndex: m.kind === "pending" || m.kind === "selected" ? 10 : 1,
        });
      }
    },
    onPick(handler) {
      onTap(host, (x, y) => {
        const box = host.getBoundingClientRect();
        const p = viewer.dataHelper.viewerCoordsToSphericalCoords({ x: x - box.left, y: y - box.top });
        if (p) handler(toPov(p.yaw, p.pitch));
      });
    },
    onMarker(handler) {
      markers.addEventListener("select-marker", ({ marker }) => handler(marker.id.split(":")[0]));
    },
  };
}
