// Conversions between the viewer's angles and the stored Street View point of view.
// Photo Sphere Viewer puts yaw 0 at the image's centre column, whose compass heading is the
// panorama's `heading`; tags store compass heading [0, 360), pitch [-90, 90] and zoom where
// 0 is a 180° horizontal field of view and each step halves it.

const DEG = 180 / Math.PI;

export function normalizeHeading(degrees: number): number {
  const h = ((degrees % 360) + 360) % 360;
  return h >= 360 ? 0 : h;
}

/** Compass heading of a viewer yaw (radians). */
export function yawToHeading(yaw: number, panoHeading: number): number {
  return normalizeHeading(yaw * DEG + panoHeading);
}

/** Viewer yaw (radians, in (-π, π]) that shows a compass heading. */
export function headingToYaw(heading: number, panoHeading: number): number {
  let d = normalizeHeading(heading - panoHeading);
  if (d > 180) d -= 360;
  return d / DEG;
}

export function radToDeg(radians: number): number {
  return radians * DEG;
}

export function degToRad(degrees: number): number {
  return degrees / DEG;
}

export function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** Street View zoom of a horizontal field of view in degrees. */
export function hfovToZoom(hfov: number): number {
  return clamp(Math.log2(180 / hfov), 0, 6);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A compass word for a heading, e.g. "NE", for lists. */
export function compass(heading: number): string {
  const names = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
  return names[Math.round(normalizeHeading(heading) / 45) % 8];
}
