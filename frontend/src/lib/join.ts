// "Join" card: anonymous in one tap, or with an e-mail to keep progress across devices.
import { ApiError } from "./api";
import { h, tr } from "./dom";
import type { Key } from "./i18n";
import { joinAnonymously, login, register } from "./session";
import type { User } from "./types";

export function errorKey(error: unknown): Key {
  if (error instanceof ApiError) {
    if (error.status === 0) return "error.network";
    if (error.code === "invalid_credentials" || error.status === 401) return "join.badLogin";
    if (error.status === 409) return "join.emailTaken";
    if (error.status === 429) return "error.tooMany";
    if (error.status === 422) return "join.invalid";
  }
  return "error.generic";
}

/** The join card; `onJoined` runs once the session cookie is set. Staff pages sign in only. */
export function joinCard(onJoined: (user: User) => void, mode: "join" | "signIn" = "join"): HTMLElement {
  const status = h("p", { class: "form-error", role: "alert" });
  const busy = async (action: () => Promise<User>, button: HTMLButtonElement) => {
    button.disabled = true;
    status.textContent = "";
    try {
      onJoined(await action());
    } catch (error) {
      tr(status, errorKey(error));
    } finally {
      button.disabled = false;
    }
  };
  const quick: HTMLButtonElement = h("button", {
    class: "primary big",
    type: "button",
    id: "join-anonymous",
    i18n: "join.anonymous",
    onClick: () => busy(joinAnonymously, quick),
  });
  if (mode === "signIn") {
    const form = emailForm(busy);
    form.open = true;
    return h("div", { class: "join" }, form, status);
  }
  return h("div", { class: "join" }, quick, h("p", { class: "hint", i18n: "join.anonymousHint" }), emailForm(busy), status);
}

function emailForm(busy: (action: () => Promise<User>, b: HTMLButtonElement) => void): HTMLDetailsElement {
  const field = (id: string, key: Key, type: string, extra: Record<string, unknown> = {}) =>
    h("div", { class: "field" }, h("label", { for: id, i18n: key }), h("input", { id, name: id, type, ...extra }));
  const form = h(
    "form",
    { class: "email-form", novalidate: true },
    field("join-email", "join.email", "email", { autocomplete: "email", required: true }),
    field("join-password", "join.password", "password", { autocomplete: "current-password", required: true, minlength: 8 }),
    field("join-name", "join.displayName", "text", { autocomplete: "nickname", maxlength: 60 }),
  );
  const value = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement).value.trim();
  const signIn: HTMLButtonElement = h("button", { type: "submit", class: "primary", i18n: "join.signIn" });
  const create: HTMLButtonElement = h("button", {
    type: "button",
    i18n: "join.create",
    onClick: () => busy(() => register(value("join-email"), value("join-password"), value("join-name") || undefined), create),
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(() => login(value("join-email"), value("join-password")), signIn);
  });
  form.append(h("div", { class: "row" }, signIn, create));
  return h("details", { class: "email" }, h("summary", { i18n: "join.withEmail" }), form);
}
