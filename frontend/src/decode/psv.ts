// Equirectangular panoramas in Photo Sphere Viewer (WebGL, from npm; no network at run time).
import { Viewer } from "@photo-sphere-viewer/core";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import "@photo-sphere-viewer/core/index.css";
import "@photo-sphere-viewer/markers-plugin/index.css";
import { clamp, degToRad, headingToYaw, hfovToZoom, radToDeg, yawToHeading } from "../lib/angles";
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

export function createPsvView(container: HTMLElement): PanoView {
  let panoHeading = 0;
  const viewer = new Viewer({
    container,
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
    async load({ url, heading }) {
      panoHeading = heading;
      markers.clearMarkers();
      shown = "";
      await viewer.setPanorama(url, { position: { yaw: 0, pitch: 0 }, zoom: 20, transition: false });
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
      onTap(container, (x, y) => {
        const box = container.getBoundingClientRect();
        const p = viewer.dataHelper.viewerCoordsToSphericalCoords({ x: x - box.left, y: y - box.top });
        if (p) handler(toPov(p.yaw, p.pitch));
      });
    },
    onMarker(handler) {
      markers.addEventListener("select-marker", ({ marker }) => handler(marker.id.split(":")[0]));
    },
  };
}
