// Coordinator pages: progress by area and day, recent flags, imports with row-numbered reports.
import "../styles.css";
import { ApiError, get } from "../lib/api";
import { byId, h, replace, tr } from "../lib/dom";
import { formatDate, formatNumber, formatPercent, t } from "../lib/i18n";
import { errorKey, joinCard } from "../lib/join";
import { chooseCampaign, roleAtLeast } from "../lib/session";
import { initShell, setShellUser } from "../lib/shell";
import type { Campaign, Flag, Progress, User } from "../lib/types";
import { imageryForm } from "./imagery";
import { importForms } from "./imports";
import { knownCard } from "./known";
import { moderationCard, qaCard } from "./quality";

const root = byId("coordinator-root");

function bar(done: number, total: number, label: string): HTMLElement {
  const share = total ? done / total : 0;
  return h(
    "div",
    {
      class: "bar",
      role: "progressbar",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": Math.round(share * 100),
      "aria-label": label,
    },
    h("span", { style: `width:${share * 100}%` }),
  );
}

function totals(p: Progress): HTMLElement {
  const card = (key: Parameters<typeof tr>[1], value: number) =>
    h("div", { class: "stat" }, h("span", { class: "value" }, formatNumber(value)), h("span", { class: "label", i18n: key }));
  return h(
    "section",
    { class: "card", "aria-labelledby": "totals-title" },
    h("h2", { id: "totals-title", i18n: "coord.progress" }),
    h(
      "div",
      { class: "stat-grid" },
      card("coord.tasksTotal", p.tasks_total),
      card("coord.tasksComplete", p.tasks_complete),
      card("coord.tasksInProgress", p.tasks_in_progress),
      card("coord.tasksReview", p.tasks_review),
      card("coord.submissions", p.submissions),
    ),
    bar(p.tasks_complete, p.tasks_total, t("coord.tasksComplete")),
  );
}

function byArea(p: Progress): HTMLElement {
  return h(
    "section",
    { class: "card", "aria-labelledby": "areas-title" },
    h("h2", { id: "areas-title", i18n: "coord.byArea" }),
    p.by_area.length === 0
      ? h("p", { class: "hint", i18n: "coord.none" })
      : h(
          "table",
          { class: "wide" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col", i18n: "map.col.area" }),
              h("th", { scope: "col", i18n: "coord.done" }),
              h("th", { scope: "col", i18n: "coord.share" }),
            ),
          ),
          h(
            "tbody",
            {},
            ...p.by_area.map((a) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, a.area, h("span", { class: "meta" }, ` (${a.kind})`)),
                h("td", {}, `${formatNumber(a.tasks_complete)} / ${formatNumber(a.tasks_total)}`),
                h(
                  "td",
                  { class: "bar-cell" },
                  bar(a.tasks_complete, a.tasks_total, a.area),
                  formatPercent(a.tasks_total ? a.tasks_complete / a.tasks_total : 0),
                ),
              ),
            ),
          ),
        ),
  );
}

function byDay(p: Progress): HTMLElement {
  const max = Math.max(1, ...p.by_day.map((d) => d.submissions));
  return h(
    "section",
    { class: "card", "aria-labelledby": "days-title" },
    h("h2", { id: "days-title", i18n: "coord.byDay" }),
    p.by_day.length === 0
      ? h("p", { class: "hint", i18n: "coord.none" })
      : h(
          "table",
          { class: "wide days" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col", i18n: "coord.day" }),
              h("th", { scope: "col", i18n: "coord.submissions" }),
              h("th", { scope: "col", i18n: "coord.completed" }),
            ),
          ),
          h(
            "tbody",
            {},
            ...p.by_day
              .slice(-30)
              .map((d) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, formatDate(d.day)),
                  h(
                    "td",
                    { class: "bar-cell" },
                    h("span", { class: "spark", style: `width:${(d.submissions / max) * 100}%` }),
                    formatNumber(d.submissions),
                  ),
                  h("td", {}, formatNumber(d.tasks_completed)),
                ),
              ),
          ),
        ),
  );
}

function flags(list: Flag[] | null): HTMLElement {
  return h(
    "section",
    { class: "card", "aria-labelledby": "flags-title" },
    h("h2", { id: "flags-title", i18n: "coord.flags" }),
    list === null
      ? h("p", { class: "hint", i18n: "error.generic" })
      : list.length === 0
        ? h("p", { class: "hint", i18n: "coord.noFlags" })
        : h(
            "ul",
            { class: "flags" },
            ...list.map((f) =>
              h(
                "li",
                {},
                h("p", {}, f.body),
                h("p", { class: "meta" }, `${t("coord.task")} ${f.task_id} · ${f.author} · ${formatDate(f.created_at)}`),
              ),
            ),
          ),
  );
}

async function dashboard(campaign: Campaign, all: Campaign[]): Promise<void> {
  const picker = h(
    "select",
    { id: "campaign", onChange: (e: Event) => (location.search = `?campaign=${(e.target as HTMLSelectElement).value}`) },
    ...all.map((c) => h("option", { value: c.slug, selected: c.slug === campaign.slug }, `${c.name} (${c.status})`)),
  );
  const head = h(
    "div",
    { class: "page-head" },
    h("h1", { i18n: "coord.title" }),
    h("div", { class: "field inline" }, h("label", { for: "campaign", i18n: "coord.campaign" }), picker),
  );
  replace(root, head, h("p", { role: "status", i18n: "common.loading" }));
  const [progress, recent] = await Promise.all([
    get<Progress>(`/campaigns/${campaign.slug}/progress`).catch(() => null),
    get<{ flags: Flag[] }>(`/campaigns/${campaign.slug}/flags?limit=30`).then(
      (r) => r.flags,
      () => null,
    ),
  ]);
  replace(
    root,
    head,
    h(
      "div",
      { class: "coord-grid" },
      ...(progress ? [totals(progress), byArea(progress), byDay(progress)] : [h("p", { class: "card", i18n: "error.generic" })]),
      flags(recent),
      importForms(campaign),
      imageryForm(campaign),
      qaCard(campaign),
      moderationCard(campaign),
      knownCard(campaign),
    ),
  );
}

async function start(user: User | null): Promise<void> {
  if (!user || user.is_anonymous) {
    replace(
      root,
      h(
        "section",
        { class: "card narrow" },
        h("h1", { i18n: "coord.signIn" }),
        joinCard((u) => (setShellUser(u), void start(u)), "signIn"),
      ),
    );
    return;
  }
  if (!roleAtLeast(user, "coordinator")) {
    replace(root, h("section", { class: "card narrow" }, h("h1", { i18n: "coord.title" }), h("p", { i18n: "coord.notAllowed" })));
    return;
  }
  try {
    const { campaign, all } = await chooseCampaign();
    if (!campaign) return replace(root, h("p", { class: "card", i18n: "decode.noCampaign" }));
    await dashboard(campaign, all);
  } catch (error) {
    replace(root, h("p", { class: "card", role: "alert" }, t(errorKey(error)), error instanceof ApiError ? ` (${error.code})` : ""));
  }
}

document.title = `Decoders — ${t("title.coordinator")}`;
void initShell("coordinator").then(start);
