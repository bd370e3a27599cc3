// Modal dialogs (native <dialog>: focus is trapped and Escape closes): confirm, report, discuss.
import { get, post } from "../lib/api";
import { h, replace, tr } from "../lib/dom";
import { formatDate, type Key } from "../lib/i18n";
import { errorKey } from "../lib/join";
import type { Flag } from "../lib/types";

function modal(title: Key, ...body: (Node | false)[]): HTMLDialogElement {
  const dialog = h("dialog", { class: "modal", "aria-labelledby": "modal-title" });
  dialog.append(h("h2", { id: "modal-title", i18n: title }), ...body.filter((n): n is Node => !!n));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Ask a yes/no question; resolves true on yes. */
export function confirmDialog(title: Key, message: Key, yes: Key, args?: Record<string, unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const dialog = modal(
      title,
      h("p", { i18n: message, i18nArgs: args }),
      h(
        "div",
        { class: "row" },
        h("button", {
          type: "button",
          class: "primary",
          i18n: yes,
          onClick: () => {
            answer = true;
            dialog.close();
          },
        }),
        h("button", { type: "button", i18n: "dialog.cancel", onClick: () => dialog.close() }),
      ),
    );
    dialog.addEventListener("close", () => resolve(answer));
  });
}

export interface ProblemReport {
  kind: "no_image" | "image_unusable" | "wrong_place" | "other";
  comment?: string;
}

/** Ask what is wrong with the panorama; resolves null when cancelled. */
export function problemDialog(): Promise<ProblemReport | null> {
  const kinds: ProblemReport["kind"][] = ["no_image", "image_unusable", "wrong_place", "other"];
  return new Promise((resolve) => {
    let report: ProblemReport | null = null;
    const comment = h("textarea", { id: "problem-comment", maxlength: 1000, rows: 3 });
    const form = h(
      "form",
      { method: "dialog" },
      h(
        "fieldset",
        {},
        h("legend", { i18n: "problem.what" }),
        ...kinds.map((kind, i) =>
          h(
            "label",
            { class: "radio" },
            h("input", { type: "radio", name: "kind", value: kind, checked: i === 0 }),
            h("span", { i18n: `problem.${kind}` as Key }),
          ),
        ),
      ),
      h("label", { for: "problem-comment", i18n: "problem.comment" }),
      comment,
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary", id: "send-problem", i18n: "problem.send" }),
        h("button", { type: "button", i18n: "dialog.cancel", onClick: () => dialog.close() }),
      ),
    );
    form.addEventListener("submit", () => {
      const kind = (form.querySelector("input[name=kind]:checked") as HTMLInputElement).value as ProblemReport["kind"];
      report = { kind, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) };
    });
    const dialog = modal("problem.title", h("p", { class: "hint", i18n: "problem.hint" }), form);
    dialog.addEventListener("close", () => resolve(report));
  });
}

/** Discussion of one task: earlier flags and a box to add one. */
export function flagDialog(taskId: number): void {
  const list = h("ul", { class: "flags" });
  const status = h("p", { class: "form-error", role: "alert" });
  const body = h("textarea", { id: "flag-body", maxlength: 2000, rows: 3, required: true });
  const show = (flags: Flag[]) =>
    replace(
      list,
      ...(flags.length
        ? flags.map((f) => h("li", {}, h("p", {}, f.body), h("p", { class: "meta" }, `${f.author} · ${formatDate(f.created_at)}`)))
        : [h("li", { class: "empty", i18n: "flag.none" })]),
    );
  get<{ flags: Flag[] }>(`/tasks/${taskId}/flags`).then(
    (r) => show(r.flags),
    () => tr(status, "error.generic"),
  );
  const form = h(
    "form",
    {},
    h("label", { for: "flag-body", i18n: "flag.label" }),
    body,
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", id: "send-flag", i18n: "flag.send" }),
      h("button", { type: "button", i18n: "dialog.close", onClick: () => dialog.close() }),
    ),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!body.value.trim()) return;
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    try {
      await post(`/tasks/${taskId}/flags`, { body: body.value.trim() });
      body.value = "";
      tr(status, "flag.sent");
      show((await get<{ flags: Flag[] }>(`/tasks/${taskId}/flags`)).flags);
    } catch (error) {
      tr(status, errorKey(error));
    } finally {
      button.disabled = false;
    }
  });
  const dialog = modal("flag.title", h("p", { class: "hint", i18n: "flag.hint" }), list, form);
}
