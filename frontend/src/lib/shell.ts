// The header every page shares: brand, navigation, language choice and the account.
import { h, replace } from "./dom";
import { LANGUAGES, applyLanguage, lang, setLanguage, type Lang } from "./i18n";
import { logo } from "./icons";
import { currentUser, logout, roleAtLeast, shownName } from "./session";
import type { User } from "./types";

export type PageName = "home" | "decode" | "map" | "coordinator" | "review";

const state: { user: User | null; account?: HTMLElement; nav?: HTMLElement; page: PageName } = {
  user: null,
  page: "home",
};

function navLinks(): HTMLElement[] {
  const links: [PageName, string, Parameters<typeof h>[1]][] = [
    ["decode", "/decode/", { i18n: "nav.decode" }],
    ["map", "/map/", { i18n: "nav.map" }],
  ];
  if (roleAtLeast(state.user, "expert")) links.push(["review", "/review/", { i18n: "nav.review" }]);
  if (roleAtLeast(state.user, "coordinator")) links.push(["coordinator", "/coordinator/", { i18n: "nav.coordinator" }]);
  return links.map(([name, href, attrs]) => h("a", { ...attrs, href, "aria-current": name === state.page ? "page" : undefined }));
}

function renderAccount(): void {
  if (!state.account || !state.nav) return;
  replace(state.nav, ...navLinks());
  if (!state.user) {
    replace(state.account);
    return;
  }
  const user = state.user;
  replace(
    state.account,
    h("span", { class: "who", title: user.email ?? undefined }, shownName(user)),
    h("button", {
      class: "link",
      type: "button",
      i18n: "account.signOut",
      onClick: async () => {
        await logout().catch(() => undefined);
        location.href = "/";
      },
    }),
  );
}

/** Tell the header who is signed in (after joining, signing in or out). */
export function setShellUser(user: User | null): void {
  state.user = user;
  renderAccount();
}

/** Draw the header, apply the language; resolves to the signed-in user or null. */
export async function initShell(page: PageName): Promise<User | null> {
  state.page = page;
  const header = document.getElementById("site-header")!;
  const select = h(
    "select",
    { id: "language", onChange: (e: Event) => setLanguage((e.target as HTMLSelectElement).value as Lang) },
    ...LANGUAGES.map((l) => h("option", { value: l.code, lang: l.code, selected: l.code === lang() }, l.name)),
  );
  state.nav = h("nav", { class: "site-nav", i18nLabel: "nav.label" });
  state.account = h("div", { class: "account" });
  replace(
    header,
    h("a", { class: "brand", href: "/", html: logo, "aria-label": "Decoders" }, h("span", { "aria-hidden": "true" }, "Decoders")),
    state.nav,
    h("div", { class: "lang" }, h("label", { for: "language", class: "sr-only", i18n: "nav.language" }), select),
    state.account,
  );
  applyLanguage();
  try {
    state.user = await currentUser();
  } catch {
    state.user = null;
  }
  renderAccount();
  return state.user;
}
