// The Decoder's task screen: get a lease, look around, tag cameras, answer, submit.
import "../styles.css";
import { ApiError, post, request } from "../lib/api";
import { byId, h, replace, tr } from "../lib/dom";
import { t } from "../lib/i18n";
import { joinCard } from "../lib/join";
import { chooseCampaign, publicConfig } from "../lib/session";
import { initShell, setShellUser } from "../lib/shell";
import type { Campaign, Lease, SubmissionResult, TagBody } from "../lib/types";
import { taskScreen, type TaskScreen } from "./screen";
import { forget, unsent } from "./submit";
import { createPsvView } from "./psv";
import { createStreetView } from "./streetview";
import type { PanoView } from "./view";

const root = byId("decode-root");
const views: Partial<Record<"equirect" | "google", PanoView>> = {};
let campaign: Campaign | null = null;
let screen: TaskScreen | null = null;

declare global {
  interface Window {
    __decoders?: Record<string, unknown>;
  }
}

function message(titleKey: Parameters<typeof tr>[1], bodyKey: Parameters<typeof tr>[1], ...extra: Node[]) {
  screen = null;
  replace(root, h("section", { class: "card narrow" }, h("h1", { i18n: titleKey }), h("p", { i18n: bodyKey }), ...extra));
}

async function viewFor(lease: Lease, container: HTMLElement): Promise<PanoView | null> {
  const provider = lease.task.panorama.provider;
  if (provider === "equirect") return (views.equirect ??= createPsvView(container));
  if (provider === "google") {
    const key = (await publicConfig()).google_maps_key;
    if (key) return (views.google ??= await createStreetView(container, key));
  }
  return null; // Mapillary, or Street View without a key: the decoder can report or skip.
}

/** Ask for the next task (or the live one) and show it. */
async function nextTask(): Promise<void> {
  if (!campaign) return;
  let lease: Lease | null;
  try {
    const result = await request<Lease>("POST", `/campaigns/${campaign.slug}/assignments`);
    lease = result.status === 204 ? null : result.data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showJoin();
    return message("error.title", error instanceof ApiError && error.status === 0 ? "error.network" : "error.generic", retryButton());
  }
  if (!lease) {
    return message(
      "done.title",
      "done.body",
      h("a", { class: "button primary", href: `/map/?campaign=${campaign.slug}`, i18n: "done.map" }),
    );
  }
  if (!screen) {
    screen = taskScreen({ campaign, onNext: nextTask, onRenew: renew, viewFor });
    replace(root, screen.element);
  }
  await screen.show(lease);
  // An answer that never got its confirmation (closed tab, lost connection) is resent as is.
  const left = unsent();
  if (left && left.assignmentId === lease.id) screen.resend(left);
  else if (left) forget();
}

/** A lease ran out before submitting: get a fresh one; on the same task the answer is resent. */
async function renew(taskId: number, tags: TagBody[]): Promise<"same" | "other"> {
  const result = await request<Lease>("POST", `/campaigns/${campaign!.slug}/assignments`);
  if (result.status === 204 || !result.data) {
    await nextTask();
    return "other";
  }
  if (result.data.task.id === taskId) {
    screen!.adopt(result.data, tags);
    return "same";
  }
  await screen!.show(result.data);
  return "other";
}

function retryButton(): HTMLElement {
  return h("button", { type: "button", class: "primary", i18n: "error.retry", onClick: () => start() });
}

function showJoin(): void {
  screen = null;
  replace(
    root,
    h(
      "section",
      { class: "card narrow" },
      h("h1", { i18n: "decode.joinTitle" }),
      h("p", { i18n: "decode.joinBody" }),
      joinCard((user) => {
        setShellUser(user);
        void start();
      }),
    ),
  );
}

async function start(): Promise<void> {
  replace(root, h("p", { class: "loading", role: "status", i18n: "common.loading" }));
  try {
    campaign = (await chooseCampaign()).campaign;
  } catch {
    return message("error.title", "error.network", retryButton());
  }
  if (!campaign) return message("decode.noCampaignTitle", "decode.noCampaign");
  await nextTask();
}

window.__decoders = {
  get view() {
    return screen?.view ?? null;
  },
  get viewer() {
    return (screen?.view?.raw as unknown) ?? null;
  },
  get lease() {
    return screen?.lease ?? null;
  },
  get mode() {
    return screen?.mode ?? null;
  },
  get results(): SubmissionResult[] {
    return screen?.results ?? [];
  },
  post,
  t,
};

document.title = `Decoders — ${t("title.decode")}`;
void initShell("decode").then((user) => (user ? start() : showJoin()));
