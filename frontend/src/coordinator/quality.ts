// Quality assurance on the coordinator page: draw a stratified QA sample, read the crowd's
// quality against the experts (with 95 % intervals), and moderate decoders.
import { ApiError, get, post, request } from "../lib/api";
import { h, replace, tr } from "../lib/dom";
import { formatDate, formatNumber, t, type Key } from "../lib/i18n";
import { errorKey } from "../lib/join";
import type { Campaign, CategoryQuality, DecoderModeration, Interval, QaSample, QualityReport } from "../lib/types";

const SVG = "http://www.w3.org/2000/svg";
const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "—" : formatNumber(x, 2));

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The interval as a line from low to high with a dot at the estimate, on [0, max]; a tick
 * marks 1 (perfect recall or precision, a crowd counting as many as the experts). */
function intervalPlot(i: Interval, max: number): SVGElement {
  const width = 90;
  const x = (v: number) => 4 + (Math.min(Math.max(v, 0), max) / max) * (width - 8);
  const plot = svg("svg", { class: "interval-plot", width, height: 14, viewBox: `0 0 ${width} 14`, "aria-hidden": "true" });
  plot.append(svg("line", { x1: 4, x2: width - 4, y1: 7, y2: 7, stroke: "#d0d5dd", "stroke-width": 1 }));
  plot.append(svg("line", { x1: x(1), x2: x(1), y1: 2, y2: 12, stroke: "#98a2b3", "stroke-width": 1 }));
  if (i.low !== null && i.high !== null) {
    plot.append(svg("line", { x1: x(i.low), x2: x(i.high), y1: 7, y2: 7, stroke: "#1d3557", "stroke-width": 3 }));
  }
  if (i.value !== null) plot.append(svg("circle", { cx: x(i.value), cy: 7, r: 3.5, fill: "#e63946" }));
  return plot;
}

function intervalCell(metric: string, i: Interval, max: number): HTMLElement {
  const text = i.value === null ? "—" : `${fmt(i.value)} [${fmt(i.low)}–${fmt(i.high)}]`;
  return h(
    "td",
    { class: "interval", "data-metric": metric },
    h("span", { class: "interval-text", dir: "ltr" }, text),
    " ",
    intervalPlot(i, max),
  );
}

function categoryName(category: string): string {
  const key = (category === "all" ? "qa.allCameras" : `attachment.${category}`) as Key;
  const shown = t(key);
  if (shown !== key) return shown;
  const type = t(`camera_type.${category}` as Key);
  return type === `camera_type.${category}` ? category : type;
}

function reportTable(report: QualityReport): HTMLElement {
  if (report.reviewed_tasks === 0 || report.categories.length === 0)
    return h("p", { class: "hint", id: "quality-empty", i18n: "qa.noReport" });
  const ratioMax = Math.max(2, ...report.categories.map((c) => c.count_ratio.high ?? 0));
  const row = (c: CategoryQuality) =>
    h(
      "tr",
      { "data-category": c.category },
      h("th", { scope: "row" }, categoryName(c.category)),
      h("td", {}, `${formatNumber(c.crowd_count, 1)} / ${formatNumber(c.expert_count, 1)}`),
      intervalCell("count_ratio", c.count_ratio, ratioMax),
      intervalCell("recall", c.recall, 1),
      intervalCell("precision", c.precision, 1),
    );
  const col = (key: Key) => h("th", { scope: "col", i18n: key });
  return h(
    "div",
    {},
    h("p", { i18n: "qa.reportSummary", i18nArgs: { n: report.reviewed_tasks, of: report.sampled_tasks, b: report.replicates } }),
    h(
      "table",
      { class: "wide quality", id: "quality-table" },
      h("thead", {}, h("tr", {}, col("qa.category"), col("qa.counts"), col("qa.ratio"), col("qa.recall"), col("qa.precision"))),
      h("tbody", {}, ...report.categories.map(row)),
    ),
    h("p", { class: "hint", i18n: "qa.intervalHint" }),
  );
}

function sampleBlock(sample: QaSample | null, slug: string): HTMLElement {
  if (!sample) return h("p", { class: "hint", id: "qa-none", i18n: "qa.noSample" });
  return h(
    "div",
    { id: "qa-sample" },
    h(
      "p",
      {},
      t("qa.sampleSummary", { id: sample.id, seed: sample.seed, reviewed: sample.reviewed, tasks: sample.tasks }),
      " · ",
      formatDate(sample.created_at),
    ),
    h(
      "table",
      { class: "wide strata" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...(["qa.stratum", "qa.population", "qa.drawn", "qa.weight", "qa.reviewed"] as Key[]).map((k) =>
            h("th", { scope: "col", i18n: k }),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        ...sample.strata.map((s) =>
          h(
            "tr",
            {},
            h("th", { scope: "row", dir: "auto" }, s.stratum),
            h("td", {}, formatNumber(s.population)),
            h("td", {}, formatNumber(s.drawn)),
            h("td", {}, formatNumber(s.weight, 2)),
            h("td", {}, formatNumber(s.reviewed)),
          ),
        ),
      ),
    ),
    h("a", { class: "button", href: `/review/?campaign=${encodeURIComponent(slug)}`, i18n: "qa.openQueue" }),
  );
}

/** The QA card: the latest sample's strata, a form to draw a new one, and the quality report. */
export function qaCard(campaign: Campaign): HTMLElement {
  const slug = encodeURIComponent(campaign.slug);
  const body = h("div", {}, h("p", { role: "status", i18n: "common.loading" }));
  const status = h("p", { class: "form-error", role: "alert" });
  const perStratum = h("input", { id: "qa-per-stratum", type: "number", min: 1, max: 10000, value: 8 }) as HTMLInputElement;
  const seed = h("input", { id: "qa-seed", type: "number", min: 0, value: 1 }) as HTMLInputElement;
  const draw = h("button", { type: "submit", class: "primary", id: "qa-draw", i18n: "qa.draw" }) as HTMLButtonElement;
  const form = h(
    "form",
    { class: "qa-form" },
    h("div", { class: "field inline" }, h("label", { for: "qa-per-stratum", i18n: "qa.perStratum" }), perStratum),
    h("div", { class: "field inline" }, h("label", { for: "qa-seed", i18n: "qa.seed" }), seed),
    draw,
  );
  const load = async () => {
    try {
      const [latest, report] = await Promise.all([
        request<QaSample | null>("GET", `/campaigns/${slug}/qa-samples/latest`),
        get<QualityReport>(`/campaigns/${slug}/quality`),
      ]);
      replace(
        body,
        sampleBlock(latest.status === 204 ? null : latest.data, campaign.slug),
        h("h3", { id: "quality-title", i18n: "qa.reportTitle" }),
        reportTable(report),
      );
    } catch (error) {
      replace(body, h("p", { class: "hint" }, t(errorKey(error))));
    }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    draw.disabled = true;
    status.textContent = "";
    try {
      await post(`/campaigns/${slug}/qa-samples`, { per_stratum: Number(perStratum.value) || 8, seed: Number(seed.value) || 0 });
      await load();
    } catch (error) {
      tr(status, error instanceof ApiError && error.code === "nothing_to_sample" ? "qa.nothingToSample" : errorKey(error));
    } finally {
      draw.disabled = false;
    }
  });
  const refresh = h("button", { type: "button", class: "link", id: "quality-refresh", i18n: "qa.refresh", onClick: () => void load() });
  void load();
  return h(
    "section",
    { class: "card qa", id: "qa-card", "aria-labelledby": "qa-title" },
    h("h2", { id: "qa-title", i18n: "qa.title" }),
    form,
    status,
    body,
    refresh,
  );
}

const share = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)} %`);

/** The moderation card: decoders ranked (flagged, least reliable first), suspend or reinstate. */
export function moderationCard(campaign: Campaign): HTMLElement {
  const body = h("div", {}, h("p", { role: "status", i18n: "common.loading" }));
  const status = h("p", { class: "form-error", role: "alert" });
  const reason = h("input", { id: "suspend-reason", type: "text", maxlength: 500 }) as HTMLInputElement;
  const act = async (d: DecoderModeration, action: "suspend" | "reinstate") => {
    status.textContent = "";
    try {
      await post(
        `/decoders/${encodeURIComponent(d.decoder)}/${action}`,
        action === "suspend" ? { reason: reason.value.trim() || undefined } : undefined,
      );
      await load();
    } catch (error) {
      tr(status, errorKey(error));
    }
  };
  const row = (d: DecoderModeration) =>
    h(
      "tr",
      { class: d.flagged ? "flagged" : "", "data-decoder": d.decoder },
      h("th", { scope: "row" }, d.decoder, d.flagged && h("span", { class: "chip flag", i18n: "mod.flagged" })),
      h("td", {}, formatNumber(d.submissions)),
      h("td", {}, formatNumber(d.known_tasks)),
      h("td", {}, `${share(d.known_recall)} / ${share(d.known_precision)}`),
      h("td", {}, `${share(d.sensitivity)} / ${share(d.false_alarm)}`),
      h(
        "td",
        {},
        d.suspended_at
          ? h(
              "span",
              {},
              t("mod.suspendedOn", { date: formatDate(d.suspended_at) }),
              d.suspension_reason ? ` — ${d.suspension_reason}` : "",
            )
          : h("span", { i18n: "mod.active" }),
      ),
      h(
        "td",
        {},
        d.role !== "decoder"
          ? h("span", { class: "meta" }, d.role)
          : d.suspended_at
            ? h("button", { type: "button", class: "reinstate", i18n: "mod.reinstate", onClick: () => void act(d, "reinstate") })
            : h("button", { type: "button", class: "danger suspend", i18n: "mod.suspend", onClick: () => void act(d, "suspend") }),
      ),
    );
  const col = (key: Key) => h("th", { scope: "col", i18n: key });
  async function load() {
    try {
      const list = (await get<{ decoders: DecoderModeration[] }>(`/campaigns/${encodeURIComponent(campaign.slug)}/decoders`)).decoders;
      // Flagged first; within each group the server's order (least reliable first) stays.
      const ranked = [...list.filter((d) => d.flagged), ...list.filter((d) => !d.flagged)];
      replace(
        body,
        ranked.length === 0
          ? h("p", { class: "hint", i18n: "coord.none" })
          : h(
              "table",
              { class: "wide moderation", id: "moderation-table" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  col("mod.decoder"),
                  col("coord.submissions"),
                  col("mod.knownTasks"),
                  col("mod.known"),
                  col("mod.reliability"),
                  col("mod.status"),
                  col("mod.action"),
                ),
              ),
              h("tbody", {}, ...ranked.map(row)),
            ),
      );
    } catch (error) {
      replace(body, h("p", { class: "hint" }, t(errorKey(error))));
    }
  }
  void load();
  return h(
    "section",
    { class: "card moderation-card", id: "moderation-card", "aria-labelledby": "mod-title" },
    h("h2", { id: "mod-title", i18n: "mod.title" }),
    h("div", { class: "field" }, h("label", { for: "suspend-reason", i18n: "mod.reason" }), reason),
    status,
    body,
  );
}
