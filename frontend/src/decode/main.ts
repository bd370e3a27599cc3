// The Decoder's task screen: get a lease, look around, tag cameras, answer, submit.
import "../styles.css";
import { ApiError, post, request, sleep } from "../lib/api";
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
const views: Partial<Record<"whole" | "tiled" | "google", PanoView>> = {};
let campaign: Campaign | null = null;
let screen: TaskScreen | null = null;
const earlier: SubmissionResult[] = []; // results of task screens since replaced by a message

declare global {
  interface Window {
    __decoders?: Record<string, unknown>;
  }
}

function dropScreen(): void {
  earlier.push(...(screen?.results ?? []));
  screen = null;
}

function message(titleKey: Parameters<typeof tr>[1], bodyKey: Parameters<typeof tr>[1], ...extra: Node[]) {
  dropScreen();
  replace(root, h("section", { class: "card narrow" }, h("h1", { i18n: titleKey }), h("p", { i18n: bodyKey }), ...extra));
}

/** The viewer for a lease's panorama: Street View for Google's (with a key), else Photo Sphere
 * Viewer, tiled where the provider offers tiles (Panoramax), on the image URL otherwise (our
 * own images, Mapillary's fresh one). Null when there is nothing to show: report or skip. */
async function viewFor(lease: Lease, container: HTMLElement): Promise<PanoView | null> {
  const pano = lease.task.panorama;
  let view: PanoView | null = null;
  if (pano.provider === "google") {
    const key = (await publicConfig()).google_maps_key;
    if (key) view = views.google ??= await createStreetView(container, key);
  } else if (pano.image_tiles) view = views.tiled ??= createPsvView(container, { tiled: true });
  else if (pano.image_url) view = views.whole ??= createPsvView(container);
  for (const v of Object.values(views)) v.setActive?.(v === view);
  return view;
}

// 204 means nothing is left; 503 `busy` means tasks are left but all are being handed out to
// others this instant. That passes in a moment, so the lease is asked for again after the
// server's Retry-After (capped), a bounded number of times, before the volunteer is told.
const BUSY_TRIES = 8;
const BUSY_MAX_WAIT_S = 10;

/** A 503 `busy`: tasks are left for you, but all are being handed out to others right now. */
const isBusy = (error: unknown): error is ApiError => error instanceof ApiError && error.status === 503 && error.code === "busy";

/** The live lease or a new one (null: nothing left), waiting out `busy` answers. */
async function lease(slug: string): Promise<Lease | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await request<Lease>("POST", `/campaigns/${slug}/assignments`);
      return result.status === 204 ? null : result.data;
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_TRIES) throw error;
      showBusy(attempt);
      await sleep(Math.min(error.retryAfter ?? 2 ** attempt, BUSY_MAX_WAIT_S) * 1000);
    }
  }
}

/** "Busy, retrying" where the volunteer is looking: the task screen's status, else the page. */
function showBusy(attempt: number): void {
  if (screen) screen.notice("lease.busyRetrying", { n: attempt });
  else replace(root, h("p", { class: "loading", role: "status", id: "lease-busy", i18n: "lease.busyRetrying", i18nArgs: { n: attempt } }));
}

/** Ask for the next task (or the live one) and show it. */
async function nextTask(): Promise<void> {
  if (!campaign) return;
  let next: Lease | null;
  try {
    next = await lease(campaign.slug);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showJoin();
    if (isSuspended(error)) return showSuspended();
    if (isBusy(error)) return message("lease.busyTitle", "lease.busyBody", retryButton());
    return message("error.title", error instanceof ApiError && error.status === 0 ? "error.network" : "error.generic", retryButton());
  }
  if (!next) {
    return message(
      "done.title",
      "done.body",
      h("a", { class: "button primary", href: `/map/?campaign=${campaign.slug}`, i18n: "done.map" }),
    );
  }
  if (!screen) {
    screen = taskScreen({ campaign, onNext: nextTask, onRenew: renew, onRefresh: () => lease(campaign!.slug), viewFor });
    replace(root, screen.element);
  }
  await screen.show(next);
  // An answer that never got its confirmation (closed tab, lost connection) is resent as is.
  const left = unsent();
  if (left && left.assignmentId === next.id) screen.resend(left);
  else if (left) forget();
}

/** A lease ran out before submitting: get a fresh one; on the same task the answer is resent. */
async function renew(taskId: number, tags: TagBody[]): Promise<"same" | "other"> {
  const fresh = await lease(campaign!.slug);
  if (!fresh) {
    await nextTask();
    return "other";
  }
  if (fresh.task.id === taskId) {
    screen!.adopt(fresh, tags);
    return "same";
  }
  await screen!.show(fresh);
  return "other";
}

const isSuspended = (error: unknown) => error instanceof ApiError && error.code === "decoder_suspended";

/** A coordinator suspended this account: no task is handed out, and the decoder is told why. */
function showSuspended(): void {
  dropScreen();
  replace(
    root,
    h(
      "section",
      { class: "card narrow", id: "suspended", role: "alert" },
      h("h1", { i18n: "suspended.title" }),
      h("p", { i18n: "suspended.body" }),
      h("a", { class: "button", href: "/map/", i18n: "done.map" }),
    ),
  );
}

function retryButton(): HTMLElement {
  return h("button", { type: "button", class: "primary", i18n: "error.retry", onClick: () => start() });
}

function showJoin(): void {
  dropScreen();
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
    return [...earlier, ...(screen?.results ?? [])];
  },
  post,
  t,
};

document.title = `Decoders — ${t("title.decode")}`;
void initShell("decode").then((user) => (!user ? showJoin() : user.suspended_at ? showSuspended() : start()));
