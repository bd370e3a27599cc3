// Google Street View panoramas, only when the deployment configures a Maps key (opt-in: it is
// the one place the app loads code from another site). Tags use the same point-of-view angles.
import { clamp, normalizeHeading } from "../lib/angles";
import type { MarkerSpec, PanoView, Pov } from "./view";

// The Maps JavaScript API is loaded at run time from Google and not typed here.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare global {
  interface Window {
    google?: any;
    __decodersMapsReady?: () => void;
  }
}

function loadMaps(key: string): Promise<any> {
  if (window.google?.maps) return Promise.resolve(window.google.maps);
  return new Promise((resolve, reject) => {
    window.__decodersMapsReady = () => resolve(window.google.maps);
    const script = document.createElement("script");
    script.src = `https://maps.googleapis.com/maps/api/js?key=${encodeURIComponent(key)}&callback=__decodersMapsReady`;
    script.async = true;
    script.onerror = () => reject(new Error("Street View could not be loaded"));
    document.head.append(script);
  });
}

const DEG = Math.PI / 180;

export async function createStreetView(container: HTMLElement, key: string): Promise<PanoView> {
  const maps = await loadMaps(key);
  const pano = new maps.StreetViewPanorama(container, {
    addressControl: false,
    linksControl: false,
    clickToGo: false,
    showRoadLabels: false,
    motionTracking: false,
    fullscreenControl: false,
  });
  const overlay = document.createElement("div");
  overlay.className = "sv-markers";
  container.append(overlay);
  let specs: MarkerSpec[] = [];
  let markerHandler: (id: string) => void = () => undefined;

  const pov = (): Pov => {
    const p = pano.getPov();
    return { heading: normalizeHeading(p.heading), pitch: p.pitch, zoom: clamp(pano.getZoom() ?? 1, 0, 6) };
  };
  // Pinhole projection around the current point of view (good enough to place clicks and pins).
  const focal = () => container.clientWidth / 2 / Math.tan(((180 / 2 ** pov().zoom) * DEG) / 2);
  const draw = () => {
    const { heading, pitch } = pov();
    const f = focal();
    overlay.replaceChildren();
    for (const m of specs) {
      let dh = normalizeHeading(m.heading - heading);
      if (dh > 180) dh -= 360;
      if (Math.abs(dh) > 85) continue;
      const x = container.clientWidth / 2 + f * Math.tan(dh * DEG);
      const y = container.clientHeight / 2 - f * Math.tan((m.pitch - pitch) * DEG);
      const pin = document.createElement("button");
      pin.className = `pin pin-${m.kind}`;
      pin.style.cssText = `position:absolute;left:${x - 15}px;top:${y - 15}px`;
      pin.innerHTML = `<span class="pin-label"></span>`;
      pin.firstElementChild!.textContent = m.label;
      pin.title = m.title;
      pin.setAttribute("aria-label", m.title);
      pin.addEventListener("click", (e) => {
        e.stopPropagation();
        markerHandler(m.id);
      });
      overlay.append(pin);
    }
  };
  pano.addListener("pov_changed", draw);
  pano.addListener("zoom_changed", draw);

  return {
    raw: pano,
    async load({ panoId, heading }) {
      pano.setPano(panoId);
      pano.setPov({ heading, pitch: 0 });
      pano.setZoom(1);
    },
    pov,
    look(heading, pitch) {
      pano.setPov({ heading, pitch });
    },
    pan(dHeading, dPitch) {
      const p = pov();
      pano.setPov({ heading: normalizeHeading(p.heading + dHeading), pitch: clamp(p.pitch + dPitch, -90, 90) });
    },
    zoomBy(steps) {
      pano.setZoom(clamp(pov().zoom + steps * 0.5, 0, 5));
    },
    setMarkers(next) {
      specs = next;
      draw();
    },
    onPick(handler) {
      container.addEventListener("click", (e) => {
        if ((e.target as HTMLElement).closest(".gm-style-cc, .pin, button, a")) return;
        const rect = container.getBoundingClientRect();
        const p = pov();
        const f = focal();
        handler({
          heading: normalizeHeading(p.heading + Math.atan((e.clientX - rect.left - rect.width / 2) / f) / DEG),
          pitch: clamp(p.pitch + Math.atan((rect.height / 2 - (e.clientY - rect.top)) / f) / DEG, -90, 90),
          zoom: p.zoom,
        });
      });
    },
    onMarker(handler) {
      markerHandler = handler;
    },
  };
}
