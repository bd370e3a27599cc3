// What the task screen needs from a 360° viewer, whatever the imagery provider.
import type { ImageTiles } from "../lib/types";

export interface Pov {
  heading: number; // compass degrees [0, 360)
  pitch: number; // degrees, up positive
  zoom: number; // Street View zoom: 0 = 180° horizontal field of view
}

export type MarkerKind = "tag" | "pending" | "selected" | "matched" | "false" | "missed" | "crowd";

export interface MarkerSpec {
  id: string;
  heading: number;
  pitch: number;
  kind: MarkerKind;
  label: string; // number or symbol drawn in the pin
  title: string; // tooltip and accessible name
  base?: { heading: number; pitch: number };
}

export interface PanoView {
  /** Show a panorama; resolves once it is on screen, rejects when its image did not load.
   * `heading` is the compass bearing of the image's centre column; `tiles` a tiled rendition
   * (Panoramax) for which `url` is the low-resolution base. */
  load(pano: { url?: string | null; panoId?: string | null; heading: number; tiles?: ImageTiles | null }): Promise<void>;
  /** Shown or hidden: the viewers of different providers share the task screen's frame. */
  setActive?(active: boolean): void;
  pov(): Pov;
  look(heading: number, pitch: number): void;
  /** Turn by degrees (positive: right / up). */
  pan(dHeading: number, dPitch: number): void;
  zoomBy(steps: number): void;
  setMarkers(markers: MarkerSpec[]): void;
  /** A click or tap on the image (not on a marker). */
  onPick(handler: (pov: Pov) => void): void;
  onMarker(handler: (id: string) => void): void;
  /** The provider's own viewer object, for tests and debugging. */
  readonly raw: unknown;
}
