// The task screen: viewer, controls, tag list, question panel, actions, tips and progress.
import { ApiError, post } from "../lib/api";
import { round } from "../lib/angles";
import { h, replace, tr } from "../lib/dom";
import { t, type Key } from "../lib/i18n";
import { icons } from "../lib/icons";
import { errorKey } from "../lib/join";
import type { Campaign, Lease, SubmissionResult, TagBody } from "../lib/types";
import { confirmDialog, flagDialog, problemDialog, type ProblemReport } from "./dialogs";
import { feedbackMarkers, feedbackPanel } from "./feedback";
import { bindViewerKeys, showProgress, showStats, showTip, tagListItems } from "./sidebar";
import { tagPanel, type Draft } from "./panel";
import { prepare, send, type Outgoing, type SubmissionBody } from "./submit";
import type { MarkerSpec, PanoView, Pov } from "./view";

export interface TaskScreen {
  element: HTMLElement;
  view: PanoView | null;
  lease: Lease | null;
  results: SubmissionResult[];
  readonly mode: string;
  show(lease: Lease): Promise<void>;
  adopt(lease: Lease, tags: TagBody[]): void;
  resend(outgoing: Outgoing): void;
}

interface Options {
  campaign: Campaign;
  onNext: () => Promise<void>;
  onRenew: (taskId: number, tags: TagBody[]) => Promise<"same" | "other">;
  viewFor: (lease: Lease, container: HTMLElement) => Promise<PanoView | null>;
}

export function taskScreen(opts: Options): TaskScreen {
  const viewerEl = h("div", { id: "viewer", class: "viewer", tabindex: 0, role: "application", i18nLabel: "viewer.label", "aria-describedby": "viewer-help" });
  const help = h("p", { id: "viewer-help", class: "sr-only", i18n: "viewer.help" });
  const modeBanner = h("div", { class: "mode-banner", role: "status", hidden: true });
  const progress = h("div", { class: "progress-chips" });
  const tutorial = h("div", { class: "tutorial-banner", hidden: true });
  const tip = h("aside", { class: "tip", "aria-live": "polite" });
  const panelSlot = h("div", { class: "panel-slot" });
  const list = h("ol", { class: "tag-list", id: "tag-list" });
  const listTitle = h("h2", { class: "list-title" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const statsBox = h("div", { class: "stats", id: "my-stats" });
  const button = (id: string, key: Key, onClick: () => void, cls = "") =>
    h("button", { type: "button", id, class: cls, i18n: key, onClick }) as HTMLButtonElement;
  const submitBtn = button("submit-task", "action.submit", () => void submitCameras(), "primary big");
  const noneBtn = button("no-cameras", "action.noCameras", () => void submitNone());
  const problemBtn = button("report-problem", "action.problem", () => void reportProblem());
  const skipBtn = button("skip-task", "action.skip", () => void skip());
  const flagBtn = button("flag-task", "action.flag", () => s.lease && flagDialog(s.lease.task.id), "link");
  const actions = h("div", { class: "actions" }, submitBtn, h("div", { class: "row" }, noneBtn, problemBtn, skipBtn), flagBtn);
  const control = (key: Key, label: string, onClick: () => void) =>
    h("button", { type: "button", class: "ctl", i18nLabel: key, title: t(key), onClick }, label);
  const tagCentre = h("button", { type: "button", class: "ctl tag-centre", id: "tag-centre", onClick: () => pick(view()?.pov()) }, h("span", { html: icons.crosshair }), h("span", { class: "ctl-text", i18n: "viewer.tagCentre" }));
  const controls = h(
    "div",
    { class: "viewer-controls" },
    control("viewer.left", "◀", () => view()?.pan(-20, 0)),
    control("viewer.up", "▲", () => view()?.pan(0, 10)),
    control("viewer.down", "▼", () => view()?.pan(0, -10)),
    control("viewer.right", "▶", () => view()?.pan(20, 0)),
    control("viewer.zoomOut", "−", () => view()?.zoomBy(-1)),
    control("viewer.zoomIn", "+", () => view()?.zoomBy(1)),
    tagCentre,
  );
  const element = h(
    "section",
    { class: "task" },
    h("div", { class: "task-bar" }, h("h1", { class: "campaign-name", dir: "auto" }, opts.campaign.name), progress),
    tutorial,
    h("div", { class: "viewer-wrap" }, viewerEl, h("div", { class: "crosshair", html: icons.crosshair }), modeBanner, controls, help),
    h("div", { class: "side" }, tip, panelSlot, listTitle, list, actions, status, statsBox),
  );

  const s = {
    lease: null as Lease | null,
    view: null as PanoView | null,
    tags: [] as Draft[],
    draft: null as Draft | null,
    editing: null as number | null,
    mode: "idle" as "idle" | "question" | "base" | "busy" | "feedback",
    startedAt: "",
    tipHidden: false,
    results: [] as SubmissionResult[],
    feedbackPins: [] as MarkerSpec[], // shown instead of the tags while feedback is on screen
  };
  const view = () => s.view;
  const bodyTags = (): TagBody[] =>
    s.tags.map((d) => ({
      heading: round(d.heading),
      pitch: round(d.pitch),
      zoom: round(d.zoom),
      attachment: d.attachment!,
      camera_type: d.camera_type!,
      ...(d.base ? { base_heading: round(d.base.heading), base_pitch: round(d.base.pitch) } : {}),
    }));

  function say(key: Key | null, args?: Record<string, unknown>) {
    if (key) tr(status, key, args);
    else status.textContent = "";
  }

  function markers(): MarkerSpec[] {
    const out: MarkerSpec[] = s.tags.map((d, i) => ({
      id: `tag-${i}`,
      heading: d.heading,
      pitch: d.pitch,
      base: d.base,
      kind: s.editing === i ? "selected" : "tag",
      label: String(i + 1),
      title: t("list.item", { n: i + 1 }),
    }));
    if (s.draft && s.editing === null) {
      out.push({ id: "pending", heading: s.draft.heading, pitch: s.draft.pitch, base: s.draft.base, kind: "pending", label: "+", title: t("tag.newTitle") });
    }
    return out;
  }

  function render() {
    s.view?.setMarkers(s.mode === "feedback" ? s.feedbackPins : markers());
    const busy = s.mode === "busy" || s.mode === "feedback" || !s.lease;
    submitBtn.disabled = busy || s.tags.length === 0 || s.draft !== null;
    for (const b of [noneBtn, problemBtn, skipBtn]) b.disabled = busy;
    flagBtn.disabled = !s.lease;
    tagCentre.disabled = busy;
    tr(listTitle, "list.title", { n: s.tags.length });
    replace(list, ...tagListItems(s.tags, s.editing, busy, edit, remove));
    modeBanner.hidden = s.mode !== "base";
    panelSlot.hidden = s.mode === "base"; // the whole photo is needed to click the ground
    if (s.mode === "base") replace(modeBanner, h("span", { i18n: "tag.baseMode" }), " ", h("button", { type: "button", class: "link", i18n: "dialog.cancel", onClick: () => ((s.mode = "question"), renderPanel()) }));
    actions.hidden = s.mode === "feedback";
  }

  function renderPanel() {
    if (!s.draft || s.mode === "feedback") {
      if (s.mode !== "feedback") replace(panelSlot);
      render();
      return;
    }
    const draft = s.draft;
    replace(
      panelSlot,
      tagPanel(draft, s.editing === null ? null : s.editing + 1, {
        onSave: save,
        onCancel: closePanel,
        onDelete: s.editing === null ? undefined : () => remove(s.editing!),
        onBase: () => {
          s.mode = "base";
          render();
          viewerEl.focus();
        },
        onClearBase: () => {
          delete draft.base;
          renderPanel();
          panelSlot.querySelector<HTMLElement>("#mark-base")?.focus();
        },
      }),
    );
    render();
  }

  /** A click, a tap or Enter on the centre: place, move, or set the base of the open tag. */
  function pick(pov: Pov | undefined) {
    if (!pov || s.mode === "busy" || s.mode === "feedback") return;
    if (s.mode === "base" && s.draft) {
      if (pov.pitch >= s.draft.pitch) return say("tag.baseAbove"); // the foot is below the camera
      s.draft.base = { heading: pov.heading, pitch: pov.pitch };
      s.mode = "question";
      say("tag.baseDone");
    } else if (s.draft) {
      Object.assign(s.draft, { heading: pov.heading, pitch: pov.pitch, zoom: pov.zoom }); // a second click moves it
    } else {
      s.draft = { ...pov };
      s.editing = null;
      s.mode = "question";
      say("tag.placed");
    }
    renderPanel();
    if (s.mode === "question") {
      (panelSlot.querySelector("input[name=attachment]:checked, input[name=attachment]") as HTMLElement | null)?.focus({ preventScroll: true });
      keepMarkVisible();
    }
  }

  /** On a phone the questions cover the lower screen: scroll so the mark sits above them. */
  function keepMarkVisible() {
    if (getComputedStyle(panelSlot).position !== "fixed") return;
    const sheet = panelSlot.getBoundingClientRect().height;
    const box = viewerEl.getBoundingClientRect();
    const markY = box.top + box.height / 2;
    window.scrollBy({ top: markY - (window.innerHeight - sheet) / 2 });
  }

  function save() {
    const draft = s.draft;
    if (!draft?.attachment || !draft.camera_type) return;
    if (s.editing === null) s.tags.push(draft);
    else s.tags[s.editing] = draft;
    say("tag.saved", { n: s.editing === null ? s.tags.length : s.editing + 1 });
    closePanel();
  }

  function closePanel() {
    s.draft = null;
    s.editing = null;
    if (s.mode !== "busy") s.mode = "idle";
    renderPanel();
    viewerEl.focus({ preventScroll: true });
  }

  function edit(i: number) {
    if (s.mode === "busy" || s.mode === "feedback") return;
    s.editing = i;
    s.draft = { ...s.tags[i], base: s.tags[i].base && { ...s.tags[i].base! } };
    s.mode = "question";
    renderPanel();
    view()?.look(s.tags[i].heading, s.tags[i].pitch);
  }

  function remove(i: number) {
    s.tags.splice(i, 1);
    say("tag.deleted");
    closePanel();
  }

  async function show(lease: Lease) {
    Object.assign(s, { lease, tags: [], draft: null, editing: null, mode: "busy" });
    replace(panelSlot);
    say("common.loading");
    showProgress(progress, tutorial, lease);
    showTip(tip, lease, s.tipHidden, () => (s.tipHidden = true));
    render();
    void showStats(statsBox);
    const pano = lease.task.panorama;
    const v = await opts.viewFor(lease, viewerEl);
    if (s.view !== v) {
      s.view = v;
      v?.onPick(pick);
      v?.onMarker((id) => id.startsWith("tag-") && s.mode !== "feedback" && edit(Number(id.slice(4))));
    }
    if (!v) {
      s.mode = "idle";
      say("viewer.unsupported");
      render();
      return;
    }
    try {
      await v.load({ url: pano.image_url, panoId: pano.pano_id, heading: pano.heading ?? 0 });
      say(null);
    } catch {
      say("viewer.loadFailed");
    }
    s.startedAt = new Date().toISOString();
    s.mode = "idle";
    render();
    viewerEl.focus({ preventScroll: true });
  }

  function adopt(lease: Lease, tags: TagBody[]) {
    s.lease = lease;
    s.mode = "idle";
    void submit({ outcome: "cameras", tags });
  }

  async function submit(body: Omit<SubmissionBody, "idempotency_key" | "started_at">, outgoing?: Outgoing) {
    if (!s.lease || (s.mode === "busy" && !outgoing)) return; // a double click sends once
    s.mode = "busy";
    render();
    say("submit.sending");
    const out = outgoing ?? prepare(s.lease.id, { ...body, started_at: s.startedAt || undefined });
    try {
      const result = await send(out, (n) => say("submit.retrying", { n }));
      s.results.push(result);
      await done(result, out.body.tags);
    } catch (error) {
      await failed(error, out);
    }
  }

  async function done(result: SubmissionResult, tags: TagBody[]) {
    if (result.feedback) {
      s.mode = "feedback";
      s.feedbackPins = feedbackMarkers(tags, result.feedback, (k) => t(k));
      const missed = result.feedback.missed;
      replace(panelSlot, feedbackPanel(tags, result.feedback, { onShowMissed: (i) => view()?.look(missed[i].heading, missed[i].pitch), onNext: () => void opts.onNext() }));
      render();
      say("submit.saved");
      (panelSlot.querySelector("#feedback") as HTMLElement | null)?.focus();
      return;
    }
    say("submit.saved");
    await opts.onNext();
  }

  async function failed(error: unknown, out: Outgoing) {
    const code = error instanceof ApiError ? error.code : "";
    if (code === "lease_used") return opts.onNext(); // already stored by an earlier attempt
    if (code === "lease_expired" || code === "assignment_not_found") {
      say("submit.expired");
      const same = await opts.onRenew(s.lease!.task.id, out.body.tags).catch(() => "other");
      if (same === "other") say("submit.expiredOther");
      return;
    }
    if (error instanceof ApiError && error.transient) {
      // The answer stays frozen (editing stays locked); "Try again" resends it with the same key.
      replace(status, h("span", { i18n: "submit.offline" }), " ", h("button", { type: "button", class: "link", id: "retry-submit", i18n: "error.retry", onClick: () => void submit(out.body, out) }));
      return;
    }
    s.mode = "idle";
    render();
    say(errorKey(error));
  }

  async function submitCameras() {
    if (s.tags.length === 0) return;
    await submit({ outcome: "cameras", tags: bodyTags() });
  }

  async function submitNone() {
    if (s.tags.length && !(await confirmDialog("confirm.noneTitle", "confirm.noneBody", "confirm.noneYes", { n: s.tags.length }))) return;
    await submit({ outcome: "no_cameras", tags: [] });
  }

  async function reportProblem() {
    const report: ProblemReport | null = await problemDialog();
    if (report) await submit({ outcome: "problem", tags: [], problem: report });
  }

  async function skip() {
    if (!s.lease || s.mode === "busy") return;
    s.mode = "busy";
    render();
    try {
      await post(`/assignments/${s.lease.id}/skip`);
    } catch (error) {
      // An expired or used lease is as good as skipped; anything else is worth telling.
      if (!(error instanceof ApiError && error.status === 409)) {
        s.mode = "idle";
        render();
        return say(errorKey(error));
      }
    }
    await opts.onNext();
  }

  bindViewerKeys(viewerEl, view, () => pick(view()?.pov()), () => (s.mode === "base" ? ((s.mode = "question"), renderPanel()) : closePanel()));
  window.addEventListener("decoders:language", () => {
    render();
    if (s.lease) showProgress(progress, tutorial, s.lease);
  });

  return {
    element,
    get view() {
      return s.view;
    },
    get lease() {
      return s.lease;
    },
    results: s.results,
    get mode() {
      return s.mode;
    },
    show,
    adopt,
    resend: (out) => void submit(out.body, out),
  };
}
