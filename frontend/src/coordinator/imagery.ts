// Find street imagery (Mapillary, Panoramax) for the campaign's locations or one of its areas.
// The server searches a few tiles per request and commits them, so the page asks again while
// tiles remain: a long run shows its progress, can be stopped, and resumes where it stopped.
import { ApiError, post } from "../lib/api";
import { h, replace, tr } from "../lib/dom";
import { t } from "../lib/i18n";
import { errorKey } from "../lib/join";
import type { Campaign, FindStep } from "../lib/types";

/** Tiles per request: short requests, each written in its own transaction. */
const TILES_PER_STEP = 4;

interface Totals {
  tiles: number;
  panoramas: number;
  tasks: number;
}

const field = (id: string, key: Parameters<typeof tr>[1], input: HTMLElement) =>
  h("div", { class: "field" }, h("label", { for: id, i18n: key }), input);

/** The request body: the form's filled fields, numbers as numbers. */
function body(form: HTMLFormElement): Record<string, unknown> {
  const out: Record<string, unknown> = { max_tiles: TILES_PER_STEP };
  for (const [k, v] of new FormData(form).entries()) {
    const value = String(v).trim();
    if (value === "") continue;
    out[k] = k.endsWith("_m") ? Number(value) : value;
  }
  return out;
}

function progressBar(step: FindStep, totals: Totals): HTMLElement {
  // Locations searched of all locations; an area run has none, so its tiles measure it.
  const s = step.status;
  const [done, all] = s.locations > 0 ? [s.searched, s.locations] : [totals.tiles, totals.tiles + step.tiles_remaining];
  const share = all ? done / all : 1;
  return h(
    "div",
    {
      class: "bar",
      id: "imagery-bar",
      role: "progressbar",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": Math.round(share * 100),
      i18nLabel: "imagery.progress",
    },
    h("span", { style: `width:${share * 100}%` }),
  );
}

function report(out: HTMLElement, step: FindStep, totals: Totals, running: boolean): void {
  const s = step.status;
  const missing = s.without_imagery;
  replace(
    out,
    progressBar(step, totals),
    h("p", {
      id: "imagery-counts",
      i18n: running ? "imagery.running" : "imagery.finished",
      i18nArgs: { searched: s.searched, locations: s.locations, panoramas: totals.panoramas, tasks: totals.tasks },
    }),
    s.without_imagery_count > 0 && h("p", { i18n: "imagery.without", i18nArgs: { n: s.without_imagery_count } }),
    missing.length > 0 && h("ul", { class: "without-imagery", id: "without-imagery" }, ...missing.map((id) => h("li", {}, id))),
  );
}

export function imageryForm(campaign: Campaign): HTMLElement {
  const out = h("div", { class: "imagery-result", "aria-live": "polite" });
  const run = h("button", { type: "submit", class: "primary", id: "imagery-find", i18n: "imagery.find" }) as HTMLButtonElement;
  const stop = h("button", { type: "button", id: "imagery-stop", i18n: "imagery.stop", hidden: true }) as HTMLButtonElement;
  const form = h(
    "form",
    { class: "imagery-form", id: "imagery" },
    field(
      "imagery-provider",
      "imagery.provider",
      h(
        "select",
        { id: "imagery-provider", name: "provider" },
        h("option", { value: "panoramax" }, "Panoramax"),
        h("option", { value: "mapillary" }, "Mapillary"),
      ),
    ),
    field(
      "imagery-distance",
      "imagery.maxDistance",
      h("input", { id: "imagery-distance", name: "max_distance_m", type: "number", min: 1, max: 200, placeholder: "15" }),
    ),
    field("imagery-since", "imagery.since", h("input", { id: "imagery-since", name: "since", placeholder: "2021-01", maxlength: 10 })),
    field("imagery-until", "imagery.until", h("input", { id: "imagery-until", name: "until", placeholder: "2025", maxlength: 10 })),
    field("imagery-area", "imagery.area", h("input", { id: "imagery-area", name: "area", maxlength: 200 })),
    field(
      "imagery-spacing",
      "imagery.spacing",
      h("input", { id: "imagery-spacing", name: "spacing_m", type: "number", min: 1, max: 1000, placeholder: "20" }),
    ),
    h("div", { class: "row" }, run, stop),
    out,
  );
  let stopping = false;
  stop.addEventListener("click", () => {
    stopping = true;
    stop.disabled = true;
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const request = body(form);
    const totals: Totals = { tiles: 0, panoramas: 0, tasks: 0 };
    stopping = false;
    run.disabled = true;
    stop.hidden = stop.disabled = false;
    tr(out, "imagery.starting");
    try {
      for (;;) {
        const step = (await post<FindStep>(`/campaigns/${campaign.slug}/imagery/find`, request)).data;
        totals.tiles += step.tiles_done;
        totals.panoramas += step.panoramas_created;
        totals.tasks += step.tasks_created;
        const more = step.tiles_remaining > 0 && !stopping;
        report(out, step, totals, more);
        if (!more) break;
      }
    } catch (error) {
      // The server's message says what to fix (a token to set, a date to correct).
      const detail = error instanceof ApiError ? ` (${error.code}: ${error.message})` : "";
      out.append(h("p", { class: "form-error", role: "alert" }, t(errorKey(error)), detail));
    } finally {
      run.disabled = false;
      stop.hidden = true;
    }
  });
  return h(
    "section",
    { class: "card imagery", "aria-labelledby": "imagery-title" },
    h("h2", { id: "imagery-title", i18n: "imagery.title" }),
    h("p", { class: "hint", i18n: "imagery.hint" }),
    form,
  );
}
