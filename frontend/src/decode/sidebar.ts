// The task screen's side pieces: tips, progress chips, personal stats, the tag list, and keys.
import { get } from "../lib/api";
import { compass } from "../lib/angles";
import { h, replace } from "../lib/dom";
import { t, type Key } from "../lib/i18n";
import type { Lease, Stats } from "../lib/types";
import type { Draft } from "./panel";
import type { MarkerSpec, PanoView } from "./view";

const TIPS: Key[] = ["tip.lookUp", "tip.notSure", "tip.turnAround", "tip.once", "tip.zoom", "tip.base"];
const TIP_TASKS = 20; // tips accompany a decoder's first 20 tasks

/** One tip per task, cycling, until the decoder has done 20 tasks or hides them. */
export function showTip(tip: HTMLElement, lease: Lease, hidden: boolean, onHide: () => void): void {
  const done = lease.progress.tasks_done;
  tip.hidden = done >= TIP_TASKS || hidden;
  if (tip.hidden) return;
  replace(
    tip,
    h("strong", { i18n: "tip.title" }),
    " ",
    h("span", { i18n: TIPS[done % TIPS.length] }),
    h("button", { type: "button", class: "link", i18n: "tip.hide", onClick: () => ((tip.hidden = true), onHide()) }),
  );
}

export function showProgress(chips: HTMLElement, banner: HTMLElement, lease: Lease): void {
  const items = [h("span", { class: "chip", i18n: "progress.done", i18nArgs: { n: lease.progress.tasks_done } })];
  if (lease.tutorial) {
    items.unshift(h("span", { class: "chip tutorial", i18n: "progress.tutorial", i18nArgs: { n: lease.progress.tutorial_remaining } }));
  }
  replace(chips, ...items);
  banner.hidden = !lease.tutorial;
  if (lease.tutorial) replace(banner, h("strong", { i18n: "tutorial.title" }), " ", h("span", { i18n: "tutorial.body" }));
}

export async function showStats(box: HTMLElement): Promise<void> {
  try {
    const st = await get<Stats>("/me/stats");
    const parts = [
      h("span", { i18n: "stats.tasks", i18nArgs: { n: st.tasks_done } }),
      h("span", { i18n: "stats.cameras", i18nArgs: { n: st.cameras_tagged } }),
    ];
    if (st.known_answer_recall !== null && st.known_answer_tasks > 0) {
      parts.push(h("span", { i18n: "stats.recall", i18nArgs: { pct: Math.round(st.known_answer_recall * 100) } }));
    }
    replace(box, h("h2", { i18n: "stats.title" }), h("p", {}, ...parts.flatMap((p, i) => (i ? [" · ", p] : [p]))));
  } catch {
    replace(box);
  }
}

/** The list of saved tags, each editable and deletable. */
/** The viewer's pins for these tags (the one being edited selected) and the camera being placed. */
export function tagMarkers(tags: readonly Draft[], draft: Draft | null, editing: number | null): MarkerSpec[] {
  const out: MarkerSpec[] = tags.map((d, i) => ({
    id: `tag-${i}`,
    heading: d.heading,
    pitch: d.pitch,
    base: d.base,
    kind: editing === i ? "selected" : "tag",
    label: String(i + 1),
    title: t("list.item", { n: i + 1 }),
  }));
  if (draft && editing === null) {
    out.push({
      id: "pending",
      heading: draft.heading,
      pitch: draft.pitch,
      base: draft.base,
      kind: "pending",
      label: "+",
      title: t("tag.newTitle"),
    });
  }
  return out;
}

export function tagListItems(
  tags: Draft[],
  editing: number | null,
  busy: boolean,
  onEdit: (i: number) => void,
  onRemove: (i: number) => void,
): HTMLElement[] {
  if (tags.length === 0) return [h("li", { class: "empty", i18n: "list.empty" })];
  return tags.map((d, i) =>
    h(
      "li",
      { class: editing === i ? "selected" : "" },
      h("span", { class: "num", "aria-hidden": "true" }, String(i + 1)),
      h(
        "span",
        { class: "what" },
        h("span", { i18n: `attachment.${d.attachment}` as Key }),
        " · ",
        h("span", { i18n: `camera_type.${d.camera_type}` as Key }),
        h("span", { class: "meta" }, ` ${Math.round(d.heading)}° ${compass(d.heading)}${d.base ? " · ⊥" : ""}`),
      ),
      h("button", {
        type: "button",
        class: "link",
        i18n: "list.edit",
        "aria-label": t("list.editN", { n: i + 1 }),
        disabled: busy,
        onClick: () => onEdit(i),
      }),
      h("button", {
        type: "button",
        class: "link danger",
        i18n: "list.delete",
        "aria-label": t("list.deleteN", { n: i + 1 }),
        disabled: busy,
        onClick: () => onRemove(i),
      }),
    ),
  );
}

/** Keys on the focused viewer: arrows look around (Shift: faster), +/- zoom, Enter/Space tag. */
export function bindViewerKeys(el: HTMLElement, view: () => PanoView | null, tagCentre: () => void, escape: () => void): void {
  el.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 30 : 10;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => view()?.pan(-step, 0),
      ArrowRight: () => view()?.pan(step, 0),
      ArrowUp: () => view()?.pan(0, step / 2),
      ArrowDown: () => view()?.pan(0, -step / 2),
      "+": () => view()?.zoomBy(1),
      "=": () => view()?.zoomBy(1),
      "-": () => view()?.zoomBy(-1),
      Enter: tagCentre,
      " ": tagCentre,
      Escape: escape,
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  });
}
