// The landing page: what Decoders is, how a task goes, and one tap to start.
import "./styles.css";
import { get } from "./lib/api";
import { byId, h, replace } from "./lib/dom";
import { formatPercent, t, type Key } from "./lib/i18n";
import { icons } from "./lib/icons";
import { joinCard } from "./lib/join";
import { chooseCampaign } from "./lib/session";
import { initShell } from "./lib/shell";
import type { Progress, User } from "./lib/types";

const root = byId("landing-root");

function step(icon: string, title: Key, body: Key): HTMLElement {
  return h("li", { class: "step" }, h("span", { class: "step-icon", html: icon }), h("h3", { i18n: title }), h("p", { i18n: body }));
}

async function campaignProgress(): Promise<HTMLElement | null> {
  try {
    const { campaign } = await chooseCampaign();
    if (!campaign) return null;
    const p = await get<Progress>(`/campaigns/${campaign.slug}/progress`);
    const share = p.tasks_total ? p.tasks_complete / p.tasks_total : 0;
    return h(
      "section",
      { class: "card", "aria-labelledby": "progress-title" },
      h("h2", { id: "progress-title", dir: "auto" }, campaign.name),
      campaign.description ? h("p", { dir: "auto" }, campaign.description) : null,
      h(
        "div",
        {
          class: "bar",
          role: "progressbar",
          "aria-valuemin": 0,
          "aria-valuemax": 100,
          "aria-valuenow": Math.round(share * 100),
          "aria-label": t("home.progressLabel"),
        },
        h("span", { style: `width:${share * 100}%` }),
      ),
      h(
        "p",
        { class: "meta" },
        h("span", { i18n: "home.progress", i18nArgs: { done: p.tasks_complete, total: p.tasks_total } }),
        ` (${formatPercent(share)})`,
      ),
    );
  } catch {
    return null;
  }
}

function render(user: User | null): void {
  const start = user
    ? h("a", { class: "button primary big", href: "/decode/", id: "continue", i18n: "home.continue" })
    : joinCard(() => (location.href = "/decode/"));
  replace(
    root,
    h(
      "section",
      { class: "hero" },
      h("h1", { i18n: "home.title" }),
      h("p", { class: "lead", i18n: "home.lead" }),
      start,
      h("p", {}, h("a", { href: "/map/", i18n: "home.seeMap" })),
    ),
    h(
      "section",
      { class: "how", "aria-labelledby": "how-title" },
      h("h2", { id: "how-title", i18n: "home.howTitle" }),
      h(
        "ol",
        { class: "steps" },
        step(icons.look, "home.step1Title", "home.step1"),
        step(icons.click, "home.step2Title", "home.step2"),
        step(icons.questions, "home.step3Title", "home.step3"),
      ),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "why-title" },
      h("h2", { id: "why-title", i18n: "home.whyTitle" }),
      h("p", { i18n: "home.why" }),
      h("p", { i18n: "home.privacy" }),
    ),
  );
  void campaignProgress().then((card) => card && root.insertBefore(card, root.children[1] ?? null));
}

document.title = `Decoders — ${t("title.home")}`;
void initShell("home").then(render);
window.addEventListener("decoders:language", () => (document.title = `Decoders — ${t("title.home")}`));
