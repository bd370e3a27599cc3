// What the tutorial says after a known-answer task: found, missed, and tags that were not cameras.
import { h } from "../lib/dom";
import type { Key } from "../lib/i18n";
import { formatPercent } from "../lib/i18n";
import type { Feedback, TagBody } from "../lib/types";
import type { MarkerSpec } from "./view";

/** Markers: matched tags green, false tags red, missed cameras orange. */
export function feedbackMarkers(tags: TagBody[], feedback: Feedback, title: (key: Key) => string): MarkerSpec[] {
  const matched = new Set(feedback.matched.map((m) => m.tag));
  const falseTags = new Set(feedback.false_tags);
  const markers: MarkerSpec[] = tags.map((tag, i) => ({
    id: `tag-${i}`,
    heading: tag.heading,
    pitch: tag.pitch,
    kind: matched.has(i) ? "matched" : falseTags.has(i) ? "false" : "tag",
    label: matched.has(i) ? "✓" : falseTags.has(i) ? "✗" : String(i + 1),
    title: title(matched.has(i) ? "feedback.pinFound" : "feedback.pinFalse"),
  }));
  feedback.missed.forEach((cam, i) =>
    markers.push({
      id: `missed-${i}`,
      heading: cam.heading,
      pitch: cam.pitch,
      kind: "missed",
      label: "!",
      title: title("feedback.pinMissed"),
    }),
  );
  return markers;
}

export function feedbackPanel(
  tags: TagBody[],
  feedback: Feedback,
  actions: { onShowMissed: (index: number) => void; onNext: () => void },
): HTMLElement {
  const total = feedback.matched.length + feedback.missed.length;
  const found = feedback.matched.length;
  const verdict: Key =
    total === 0
      ? tags.length
        ? "feedback.noneButTagged"
        : "feedback.noneCorrect"
      : found === total
        ? "feedback.allFound"
        : "feedback.someFound";
  const details = feedback.matched.map((m) =>
    h(
      "li",
      {},
      h("span", { i18n: "feedback.camera", i18nArgs: { n: m.tag + 1 } }),
      " ",
      h("span", { class: m.attachment_ok ? "ok" : "ko", i18n: m.attachment_ok ? "feedback.attachmentOk" : "feedback.attachmentWrong" }),
      " · ",
      h("span", { class: m.type_ok ? "ok" : "ko", i18n: m.type_ok ? "feedback.typeOk" : "feedback.typeWrong" }),
    ),
  );
  return h(
    "section",
    { class: "feedback", id: "feedback", "aria-labelledby": "feedback-title", tabindex: -1 },
    h("h2", { id: "feedback-title", i18n: "feedback.title" }),
    h("p", { class: "verdict", i18n: verdict, i18nArgs: { found, total } }),
    details.length > 0 && h("ul", { class: "feedback-list" }, ...details),
    feedback.missed.length > 0 &&
      h(
        "p",
        {},
        h("span", { i18n: "feedback.missed", i18nArgs: { n: feedback.missed.length } }),
        " ",
        h("button", { type: "button", class: "link", i18n: "feedback.showMissed", onClick: () => actions.onShowMissed(0) }),
      ),
    feedback.false_tags.length > 0 && h("p", { i18n: "feedback.falseTags", i18nArgs: { n: feedback.false_tags.length } }),
    feedback.recall !== null &&
      total > 0 &&
      h("p", { class: "meta" }, h("span", { i18n: "feedback.recall" }), " ", formatPercent(feedback.recall)),
    h("button", {
      type: "button",
      class: "primary big",
      id: "next-task",
      i18n: "feedback.next",
      // The panel takes the place of the Submit button: when the answer comes back between
      // the two clicks of a double click on Submit, the second click lands here. A click
      // that is part of a multi-click (detail > 1) does not skip the feedback; a single
      // click, or Enter/Space (detail 0), goes on.
      onClick: (event: MouseEvent) => {
        if (event.detail <= 1) actions.onNext();
      },
    }),
  );
}
