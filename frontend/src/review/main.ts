// The expert's review screen: the task's panorama in the same viewer and with the same questions
// as the decoders', the true cameras placed by clicks, saved as the task's known answer; only
// then the crowd's tags appear beside them (shown earlier they would anchor the expert).
import "../styles.css";
import { ApiError, get, request } from "../lib/api";
import { round } from "../lib/angles";
import { byId, h, replace, tr } from "../lib/dom";
import { formatNumber, t, type Key } from "../lib/i18n";
import { icons } from "../lib/icons";
import { errorKey, joinCard } from "../lib/join";
import { chooseCampaign, roleAtLeast } from "../lib/session";
import { initShell, setShellUser } from "../lib/shell";
import type { KnownCamera, Lease, QueueItem, TaskReview, User } from "../lib/types";
import { editable, initial, transition, type Event, type State } from "../decode/machine";
import { tagPanel } from "../decode/panel";
import { createPsvView } from "../decode/psv";
import { bindViewerKeys, tagListItems, tagMarkers } from "../decode/sidebar";
import type { MarkerSpec, PanoView, Pov } from "../decode/view";

const root = byId("review-root");
let current: ReviewScreen | null = null;

interface ReviewScreen {
  readonly view: PanoView | null;
  readonly mode: State["mode"];
  readonly review: TaskReview;
  readonly saved: number;
}

declare global {
  interface Window {
    __decoders?: Record<string, unknown>;
  }
}

function message(titleKey: Key, bodyKey: Key, ...extra: Node[]): void {
  current = null;
  replace(
    root,
    h("section", { class: "card narrow", id: "review-message" }, h("h1", { i18n: titleKey }), h("p", { i18n: bodyKey }), ...extra),
  );
}

/** The expert's cameras as the known-answer body takes them. */
function cameras(s: State): KnownCamera[] {
  return s.tags.map((d) => ({
    heading: round(d.heading),
    pitch: round(d.pitch),
    attachment: d.attachment!,
    camera_type: d.camera_type!,
    ...(d.base ? { base_heading: round(d.base.heading), base_pitch: round(d.base.pitch) } : {}),
  }));
}

function crowdBox(review: TaskReview): HTMLElement {
  const crowd = review.crowd;
  if (!crowd) return h("p", { class: "hint", id: "crowd-hidden", i18n: "review.crowdHidden" });
  const counts = Object.entries(crowd.counts ?? {});
  return h(
    "section",
    { class: "crowd", id: "crowd", "aria-labelledby": "crowd-title" },
    h("h2", { id: "crowd-title", i18n: "review.crowdTitle" }),
    h("p", { i18n: "review.crowdSummary", i18nArgs: { n: crowd.submissions, tags: crowd.tags.length } }),
    counts.length === 0
      ? h("p", { class: "hint", i18n: "coord.none" })
      : h(
          "table",
          { class: "wide counts" },
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col", i18n: "review.category" }), h("th", { scope: "col", i18n: "review.crowdCount" })),
          ),
          h(
            "tbody",
            {},
            ...counts.map(([category, n]) => h("tr", {}, h("th", { scope: "row" }, category), h("td", {}, formatNumber(n, 1)))),
          ),
        ),
  );
}

function reviewScreen(first: TaskReview, queue: string | null): ReviewScreen {
  let review = first;
  let saved = 0;
  const viewerEl = h("div", { id: "viewer", class: "viewer", tabindex: 0, role: "application", i18nLabel: "viewer.label" });
  const panelSlot = h("div", { class: "panel-slot" });
  const listTitle = h("h2", { class: "list-title" });
  const list = h("ol", { class: "tag-list", id: "tag-list" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const crowdSlot = h("div", { class: "crowd-slot" });
  const modeBanner = h("div", { class: "mode-banner", role: "status", hidden: true, i18n: "tag.baseMode" });
  const saveBtn = h("button", {
    type: "button",
    id: "save-label",
    class: "primary big",
    i18n: "review.save",
    onClick: () => void saveLabel(),
  }) as HTMLButtonElement;
  const next = queue
    ? h("a", {
        class: "button",
        id: "review-next",
        href: `/review/?campaign=${encodeURIComponent(queue)}`,
        i18n: "review.next",
        hidden: true,
      })
    : null;
  const control = (key: Key, label: string, onClick: () => void) =>
    h("button", { type: "button", class: "ctl", i18nLabel: key, title: t(key), onClick }, label);
  const sample = review.sample;
  const element = h(
    "section",
    { class: "task" },
    h(
      "div",
      { class: "task-bar" },
      h("h1", { class: "campaign-name", i18n: "review.heading", i18nArgs: { id: review.task_id } }),
      h(
        "div",
        { class: "progress-chips" },
        sample && h("span", { class: "chip", i18n: "review.stratum", i18nArgs: { stratum: sample.stratum, n: sample.remaining } }),
      ),
    ),
    h(
      "div",
      { class: "viewer-wrap" },
      viewerEl,
      h("div", { class: "crosshair", html: icons.crosshair }),
      modeBanner,
      h(
        "div",
        { class: "viewer-controls" },
        control("viewer.left", "◀", () => view.pan(-20, 0)),
        control("viewer.up", "▲", () => view.pan(0, 10)),
        control("viewer.down", "▼", () => view.pan(0, -10)),
        control("viewer.right", "▶", () => view.pan(20, 0)),
        control("viewer.zoomOut", "−", () => view.zoomBy(-1)),
        control("viewer.zoomIn", "+", () => view.zoomBy(1)),
      ),
    ),
    h(
      "div",
      { class: "side" },
      h("p", { class: "hint", i18n: "review.intro" }),
      panelSlot,
      listTitle,
      list,
      h("div", { class: "actions" }, saveBtn, next),
      status,
      crowdSlot,
    ),
  );
  replace(root, element);

  // The state machine of the decoders' screen, on a stand-in for a lease: it only needs one.
  const stand = { id: review.task_id, task: { id: review.task_id, panorama: review.panorama } } as unknown as Lease;
  let s: State = initial;
  let panelShown = "";
  const view = createPsvView(viewerEl, { tiled: !!review.panorama.image_tiles });

  function dispatch(event: Event): boolean {
    const after = transition(s, event);
    if (after === s) return false;
    s = after;
    render();
    return true;
  }

  function markers(): MarkerSpec[] {
    const out = tagMarkers(s.tags, s.draft, s.editing);
    for (const [i, c] of (review.crowd?.tags ?? []).entries()) {
      out.push({
        id: `crowd-${i}`,
        heading: c.heading,
        pitch: c.pitch,
        kind: "crowd",
        label: "·",
        title: t("review.crowdTag", { decoder: c.decoder }),
      });
    }
    return out;
  }

  function render() {
    view.setMarkers(markers());
    const locked = !editable(s);
    saveBtn.disabled = locked || s.draft !== null;
    tr(listTitle, "list.title", { n: s.tags.length });
    replace(list, ...tagListItems([...s.tags], s.editing, locked, (i) => dispatch({ type: "edit", index: i }), remove));
    modeBanner.hidden = s.mode !== "placing";
    panelSlot.hidden = s.mode === "placing";
    replace(crowdSlot, crowdBox(review));
    if (next) next.hidden = !review.known_answer;
    const open = (s.mode === "answering" || s.mode === "placing") && s.draft;
    const key = open ? `tag:${s.panel}` : "";
    if (key === panelShown) return;
    panelShown = key;
    if (!open || !s.draft) return replace(panelSlot);
    replace(
      panelSlot,
      tagPanel(s.draft, s.editing === null ? null : s.editing + 1, {
        onAnswer: (answer) => dispatch({ type: "answer", answer }),
        onSave: () => dispatch({ type: "save" }) && viewerEl.focus({ preventScroll: true }),
        onCancel: () => dispatch({ type: "cancel" }),
        onDelete: s.editing === null ? undefined : () => remove(s.editing!),
        onBase: () => dispatch({ type: "markBase" }) && viewerEl.focus(),
        onClearBase: () => dispatch({ type: "clearBase" }),
      }),
    );
  }

  function remove(i: number) {
    if (dispatch({ type: "remove", index: i })) tr(status, "tag.deleted");
  }

  function pick(pov: Pov | undefined) {
    if (!pov) return;
    const before = s.mode;
    if (!dispatch({ type: "pick", pov }) && before === "placing") tr(status, "tag.baseAbove");
  }

  async function saveLabel() {
    if (!dispatch({ type: "submit" })) return;
    tr(status, "submit.sending");
    try {
      review = (await request<TaskReview>("PUT", `/tasks/${review.task_id}/known-answer`, { cameras: cameras(s) })).data;
      saved += 1;
      tr(status, "review.saved", { n: s.tags.length });
    } catch (error) {
      tr(status, error instanceof ApiError && error.code === "own_task_review" ? "review.ownTask" : errorKey(error));
    }
    dispatch({ type: "rejected" }); // back to editing: the label may be corrected and saved again
    render();
  }

  view.onPick(pick);
  view.onMarker((id) => id.startsWith("tag-") && dispatch({ type: "edit", index: Number(id.slice(4)) }));
  bindViewerKeys(
    viewerEl,
    () => view,
    () => pick(view.pov()),
    () => dispatch({ type: "cancel" }),
  );
  window.addEventListener("decoders:language", () => {
    panelShown = "";
    render();
  });

  dispatch({ type: "load", lease: stand });
  void (async () => {
    const pano = review.panorama;
    if (!pano.image_url) {
      tr(status, "viewer.unsupported");
      return;
    }
    tr(status, "common.loading");
    try {
      await view.load({ url: pano.image_url, panoId: pano.pano_id, heading: pano.heading ?? 0, tiles: pano.image_tiles });
      status.textContent = "";
    } catch {
      tr(status, "viewer.loadFailed");
    }
    dispatch({ type: "loaded" });
    // A task this expert labelled before opens with that label, and the crowd beside it.
    for (const c of review.known_answer?.cameras ?? []) {
      const base = c.base_heading != null && c.base_pitch != null ? { heading: c.base_heading, pitch: c.base_pitch } : undefined;
      s = {
        ...s,
        tags: [...s.tags, { heading: c.heading, pitch: c.pitch, zoom: 0, attachment: c.attachment, camera_type: c.camera_type, base }],
      };
    }
    render();
    viewerEl.focus({ preventScroll: true });
  })();

  return {
    get view() {
      return view;
    },
    get mode() {
      return s.mode;
    },
    get review() {
      return review;
    },
    get saved() {
      return saved;
    },
  };
}

async function open(user: User): Promise<void> {
  if (!roleAtLeast(user, "expert")) return message("review.title", "review.notAllowed");
  const params = new URLSearchParams(location.search);
  let taskId = Number(params.get("task")) || null;
  let queue = params.get("campaign");
  replace(root, h("p", { class: "loading", role: "status", i18n: "common.loading" }));
  try {
    if (!taskId) {
      queue ??= (await chooseCampaign()).campaign?.slug ?? null;
      if (!queue) return message("review.title", "decode.noCampaign");
      const item = await request<QueueItem | null>("POST", `/campaigns/${encodeURIComponent(queue)}/review-queue/next`);
      if (item.status === 204 || !item.data) return message("review.title", "review.queueEmpty");
      taskId = item.data.task_id;
    }
    const review = await get<TaskReview>(`/tasks/${taskId}/review`);
    current = reviewScreen(review, queue);
  } catch (error) {
    replace(root, h("p", { class: "card", role: "alert" }, t(errorKey(error)), error instanceof ApiError ? ` (${error.code})` : ""));
  }
}

function start(user: User | null): void {
  if (!user || user.is_anonymous) {
    replace(
      root,
      h(
        "section",
        { class: "card narrow" },
        h("h1", { i18n: "review.signIn" }),
        joinCard((u) => (setShellUser(u), start(u)), "signIn"),
      ),
    );
    return;
  }
  void open(user);
}

window.__decoders = {
  get view() {
    return current?.view ?? null;
  },
  get viewer() {
    return (current?.view?.raw as unknown) ?? null;
  },
  get mode() {
    return current?.mode ?? null;
  },
  get review() {
    return current?.review ?? null;
  },
  get saved() {
    return current?.saved ?? 0;
  },
};

document.title = `Decoders — ${t("title.review")}`;
void initShell("review").then(start);
