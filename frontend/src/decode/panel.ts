// The two questions asked for each camera, with pictograms, and the optional base click.
import { h } from "../lib/dom";
import type { Key } from "../lib/i18n";
import { pictograms } from "../lib/icons";
import type { Attachment, CameraType } from "../lib/types";

export interface Draft {
  heading: number;
  pitch: number;
  zoom: number;
  attachment?: Attachment;
  camera_type?: CameraType;
  base?: { heading: number; pitch: number };
}

export const ATTACHMENTS: Attachment[] = ["street_furniture", "building", "other"];
export const TYPES: CameraType[] = ["dome_ptz", "bullet", "unknown"];

export interface PanelActions {
  onAnswer: (answer: Pick<Draft, "attachment"> | Pick<Draft, "camera_type">) => void;
  onSave: () => void;
  onCancel: () => void;
  onDelete?: () => void;
  onBase: () => void;
  onClearBase: () => void;
}

function question<T extends string>(
  name: string,
  legend: Key,
  values: T[],
  chosen: T | undefined,
  choose: (value: T) => void,
): HTMLElement {
  return h(
    "fieldset",
    { class: "question" },
    h("legend", { i18n: legend }),
    h(
      "div",
      { class: "choices" },
      ...values.map((value) =>
        h(
          "label",
          { class: "choice", "data-value": value },
          h("input", {
            type: "radio",
            name,
            value,
            checked: value === chosen,
            onChange: () => choose(value),
          }),
          h("span", { class: "pictogram", html: pictograms[value as keyof typeof pictograms] }),
          h("span", { class: "choice-label", i18n: `${name}.${value}` as Key }),
        ),
      ),
    ),
  );
}

/** The panel for a new (number = null) or existing tag. Choosing an answer updates the panel in
 * place (it is not rebuilt), so keyboard focus stays on the radio button just chosen. */
export function tagPanel(draft: Draft, number: number | null, actions: PanelActions): HTMLElement {
  const save = h("button", {
    type: "button",
    class: "primary",
    id: "save-tag",
    i18n: "tag.save",
    onClick: actions.onSave,
  }) as HTMLButtonElement;
  const missing = h("p", { class: "hint", i18n: "tag.answerBoth" });
  const answers = { attachment: draft.attachment, camera_type: draft.camera_type };
  const refresh = () => {
    save.disabled = !answers.attachment || !answers.camera_type;
    missing.hidden = !save.disabled;
  };
  refresh();
  const title = number === null ? h("h2", { i18n: "tag.newTitle" }) : h("h2", { i18n: "tag.editTitle", i18nArgs: { n: number } });
  return h(
    "section",
    { class: "tag-panel", "aria-labelledby": "tag-panel-title", id: "tag-panel" },
    Object.assign(title, { id: "tag-panel-title" }),
    h("p", { class: "hint move-hint", i18n: "tag.moveHint" }),
    question("attachment", "tag.attachedTo", ATTACHMENTS, draft.attachment, (attachment) => {
      answers.attachment = attachment;
      refresh();
      actions.onAnswer({ attachment });
    }),
    question("camera_type", "tag.type", TYPES, draft.camera_type, (camera_type) => {
      answers.camera_type = camera_type;
      refresh();
      actions.onAnswer({ camera_type });
    }),
    h(
      "div",
      { class: "base" },
      draft.base
        ? h(
            "p",
            { class: "base-set" },
            h("span", { i18n: "tag.baseSet" }),
            " ",
            h("button", { type: "button", class: "link", id: "clear-base", i18n: "tag.baseClear", onClick: actions.onClearBase }),
          )
        : h("button", { type: "button", class: "secondary", id: "mark-base", i18n: "tag.baseAdd", onClick: actions.onBase }),
      h("p", { class: "hint", i18n: "tag.baseHint" }),
    ),
    h(
      "div",
      { class: "row" },
      save,
      h("button", { type: "button", i18n: "tag.cancel", onClick: actions.onCancel }),
      actions.onDelete && h("button", { type: "button", class: "danger", i18n: "tag.delete", onClick: actions.onDelete }),
    ),
    missing,
  );
}
