// Strings live in one JSON file per language; English is the reference for the keys.
import en from "../locales/en.json";
import es from "../locales/es.json";
import ar from "../locales/ar.json";

export type Key = keyof typeof en;
export type Lang = "en" | "es" | "ar";

const STRINGS: Record<Lang, Partial<Record<Key, string>>> = { en, es, ar };
export const LANGUAGES: { code: Lang; name: string; dir: "ltr" | "rtl" }[] = [
  { code: "en", name: "English", dir: "ltr" },
  { code: "es", name: "Español", dir: "ltr" },
  { code: "ar", name: "العربية", dir: "rtl" },
];
const STORAGE_KEY = "decoders.lang";

function fromBrowser(): Lang {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base in STRINGS) return base as Lang;
  }
  return "en";
}

let current: Lang = (() => {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved && saved in STRINGS ? (saved as Lang) : fromBrowser();
})();

export function lang(): Lang {
  return current;
}

/** Translate a key, filling `{name}` placeholders; falls back to English. */
export function t(key: Key, args?: Record<string, unknown>): string {
  let text = STRINGS[current][key] ?? en[key] ?? key;
  if (args) {
    for (const [name, value] of Object.entries(args)) {
      const shown = typeof value === "number" ? formatNumber(value) : String(value);
      text = text.replaceAll(`{${name}}`, shown);
    }
  }
  return text;
}

export function formatNumber(value: number, digits = 0): string {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value);
}

export function formatPercent(value: number): string {
  return new Intl.NumberFormat(current, { style: "percent", maximumFractionDigits: 0 }).format(value);
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: iso.length > 10 ? "short" : undefined }).format(date);
}

/** Set <html lang dir> and re-translate every element marked with data-i18n. */
export function applyLanguage(root: ParentNode = document): void {
  const info = LANGUAGES.find((l) => l.code === current)!;
  document.documentElement.lang = current;
  document.documentElement.dir = info.dir;
  root.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
    el.textContent = t(el.dataset.i18n as Key, args);
  });
  root.querySelectorAll<HTMLElement>("[data-i18n-label]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel as Key));
  });
  root.querySelectorAll<HTMLElement>("[data-i18n-placeholder]").forEach((el) => {
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder as Key));
  });
}

/** Switch language, remember the choice and tell the page to redraw its dynamic parts. */
export function setLanguage(code: Lang): void {
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  applyLanguage();
  window.dispatchEvent(new CustomEvent("decoders:language", { detail: code }));
}
