// The task screen's states and the events that move between them, as pure functions: the
// screen (screen.ts) dispatches events, renders the state it gets back and runs the effects.
//
//   loading ──loaded──► idle ◄──save/cancel/remove── answering ◄──markBase/cancel/pick──► placing
//      ▲                 │  ──pick/edit──────────────►   │
//      │                 └─────submit──► submitting ◄────┘ (no cameras, problem)
//      │                                  │   ▲  │
//    (next lease)          feedback ◄─sent┘   │  └─offline──► error ──retry──┐
//                                             └───────────────────────────────┘
import type { Feedback, Lease, TagBody } from "../lib/types";
import type { Draft } from "./panel";
import type { Pov } from "./view";

export type Answer = Partial<Pick<Draft, "attachment" | "camera_type">>;

export type Mode = "loading" | "idle" | "placing" | "answering" | "submitting" | "feedback" | "error";

export interface State {
  readonly mode: Mode;
  readonly lease: Lease | null;
  readonly tags: readonly Draft[];
  /** The tag whose questions are open (answering, placing). */
  readonly draft: Draft | null;
  /** Index in `tags` of the tag being edited; null for a new one. */
  readonly editing: number | null;
  /** Bumped when the question panel must be rebuilt (a tag opened or moved, its base set or
   * cleared) and not on answers, so focus stays on the radio button just chosen. */
  readonly panel: number;
  /** What the tutorial says about the answer just sent (feedback). */
  readonly feedback: { tags: TagBody[]; result: Feedback } | null;
}

export type Event =
  | { type: "load"; lease: Lease }
  | { type: "loaded" }
  | { type: "pick"; pov: Pov }
  | { type: "edit"; index: number }
  | { type: "answer"; answer: Answer }
  | { type: "markBase" }
  | { type: "clearBase" }
  | { type: "save" }
  | { type: "cancel" }
  | { type: "remove"; index: number }
  | { type: "submit" }
  | { type: "adopt"; lease: Lease }
  | { type: "sent"; tags: TagBody[]; feedback: Feedback | null | undefined }
  | { type: "rejected" }
  | { type: "offline" }
  | { type: "retry" };

export const initial: State = { mode: "loading", lease: null, tags: [], draft: null, editing: null, panel: 0, feedback: null };

/** Modes in which the decoder can change the answer (tag, edit, submit, skip). */
export const editable = (s: State): boolean => s.lease !== null && (s.mode === "idle" || s.mode === "answering" || s.mode === "placing");

const closed = (s: State, tags = s.tags): State => ({ ...s, mode: "idle", tags, draft: null, editing: null });

function pick(s: State, pov: Pov): State {
  if (s.mode === "placing" && s.draft) {
    if (pov.pitch >= s.draft.pitch) return s; // the foot of a pole or wall is below its camera
    return { ...s, mode: "answering", draft: { ...s.draft, base: { heading: pov.heading, pitch: pov.pitch } }, panel: s.panel + 1 };
  }
  if (s.mode === "answering" && s.draft) {
    // A second click moves it.
    return { ...s, draft: { ...s.draft, heading: pov.heading, pitch: pov.pitch, zoom: pov.zoom }, panel: s.panel + 1 };
  }
  if (s.mode === "idle") return { ...s, mode: "answering", draft: { ...pov }, editing: null, panel: s.panel + 1 };
  return s;
}

function save(s: State): State {
  const d = s.draft;
  if (!d?.attachment || !d.camera_type || s.mode !== "answering") return s;
  const tags = s.editing === null ? [...s.tags, d] : s.tags.map((t, i) => (i === s.editing ? d : t));
  return closed(s, tags);
}

/** The next state; an event that does not apply in the current state leaves it unchanged. */
export function transition(s: State, e: Event): State {
  switch (e.type) {
    case "load":
      return { ...initial, lease: e.lease, panel: s.panel };
    case "loaded":
      return s.mode === "loading" ? { ...s, mode: "idle" } : s;
    case "pick":
      return pick(s, e.pov);
    case "edit": {
      const tag = s.tags[e.index];
      if (!editable(s) || !tag) return s;
      return { ...s, mode: "answering", editing: e.index, draft: { ...tag, base: tag.base && { ...tag.base } }, panel: s.panel + 1 };
    }
    case "answer":
      return s.mode === "answering" && s.draft ? { ...s, draft: { ...s.draft, ...e.answer } } : s;
    case "markBase":
      return s.mode === "answering" ? { ...s, mode: "placing" } : s;
    case "clearBase":
      return s.mode === "answering" && s.draft ? { ...s, draft: { ...s.draft, base: undefined }, panel: s.panel + 1 } : s;
    case "save":
      return save(s);
    case "cancel":
      if (s.mode === "placing") return { ...s, mode: "answering" };
      return s.mode === "answering" ? closed(s) : s;
    case "remove":
      return editable(s) && s.tags[e.index]
        ? closed(
            s,
            s.tags.filter((_, i) => i !== e.index),
          )
        : s;
    case "submit":
      return editable(s) ? { ...s, mode: "submitting" } : s;
    case "adopt":
      return { ...s, lease: e.lease, mode: "submitting" };
    case "sent":
      if (s.mode !== "submitting" || !e.feedback) return s; // without feedback the next task follows
      return { ...s, mode: "feedback", draft: null, editing: null, feedback: { tags: e.tags, result: e.feedback } };
    case "rejected":
      return s.mode === "submitting" ? { ...s, mode: s.draft ? "answering" : "idle" } : s;
    case "offline":
      return s.mode === "submitting" ? { ...s, mode: "error" } : s;
    case "retry":
      return s.mode === "error" ? { ...s, mode: "submitting" } : s;
  }
}
