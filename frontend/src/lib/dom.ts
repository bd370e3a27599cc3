// A tiny hyperscript helper: enough to build readable DOM without a framework.
import { t, type Key } from "./i18n";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, unknown>;

/** Create an element: attributes, `on*` listeners, `i18n` (translated text) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "i18n") {
      tr(el, value as Key);
    } else if (name === "i18nArgs") {
      // handled with i18n below
    } else if (name === "i18nLabel") {
      el.dataset.i18nLabel = value as string;
      el.setAttribute("aria-label", t(value as Key));
    } else if (name === "class") {
      el.className = value as string;
    } else if (name === "html") {
      el.innerHTML = value as string; // only for our own inline SVG pictograms
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  if (attrs.i18n && attrs.i18nArgs) tr(el, attrs.i18n as Key, attrs.i18nArgs as Record<string, unknown>);
  append(el, ...children);
  return el;
}

/** Append children, skipping empty ones. */
export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Set translated text that follows language changes. */
export function tr(el: HTMLElement, key: Key, args?: Record<string, unknown>): HTMLElement {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

/** Replace an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** The element with this id (throws when the page template lacks it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}
