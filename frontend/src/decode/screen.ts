// The task screen: viewer, controls, tag list, question panel, actions, tips and progress.
// It renders the state of machine.ts and runs the effects: network, viewer, focus, messages.
import { ApiError, post } from "../lib/api";
import { round } from "../lib/angles";
import { h, replace, tr } from "../lib/dom";
import { t, type Key } from "../lib/i18n";
import { icons } from "../lib/icons";
import { errorKey } from "../lib/join";
import type { Attribution, Campaign, Lease, SubmissionResult, TagBody } from "../lib/types";
import { editable, initial, transition, type Event, type Mode, type State } from "./machine";
import { confirmDialog, flagDialog, problemDialog, type ProblemReport } from "./dialogs";
import { feedbackMarkers, feedbackPanel } from "./feedback";
import { bindViewerKeys, showProgress, showStats, showTip, tagListItems, tagMarkers } from "./sidebar";
import { tagPanel } from "./panel";
import { prepare, send, type Outgoing, type SubmissionBody } from "./submit";
import type { MarkerSpec, PanoView, Pov } from "./view";

export interface TaskScreen {
  element: HTMLElement;
  view: PanoView | null;
  lease: Lease | null;
  results: SubmissionResult[];
  readonly mode: Mode;
  show(lease: Lease): Promise<void>;
  adopt(lease: Lease, tags: TagBody[]): void;
  resend(outgoing: Outgoing): void;
  /** A message in the screen's status line (e.g. while the next lease is retried). */
  notice(key: Key, args?: Record<string, unknown>): void;
}

interface Options {
  campaign: Campaign;
  onNext: () => Promise<void>;
  onRenew: (taskId: number, tags: TagBody[]) => Promise<"same" | "other">;
  viewFor: (lease: Lease, container: HTMLElement) => Promise<PanoView | null>;
  /** The live lease asked for again, for a fresh image URL (Mapillary's expire); null: none. */
  onRefresh: () => Promise<Lease | null>;
}

const expired = (at: string | null | undefined) => !!at && Date.parse(at) <= Date.now();

/** The image's credit over it: its text linking its page, then its licence. */
function creditLine(a: Attribution | null | undefined): (HTMLElement | string)[] {
  const link = (href: string | null, text: string) =>
    href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text) : h("span", {}, text);
  const text = a?.text ?? a?.creator;
  const parts = [text && link(a!.url, text), a?.licence && link(a.licence_url, a.licence)].filter((p): p is HTMLElement => !!p);
  return parts.flatMap((p, i) => (i ? [" · ", p] : [p]));
}

export function taskScreen(opts: Options): TaskScreen {
  const viewerEl = h("div", {
    id: "viewer",
    class: "viewer",
    tabindex: 0,
    role: "application",
    i18nLabel: "viewer.label",
    "aria-describedby": "viewer-help",
  });
  const help = h("p", { id: "viewer-help", class: "sr-only", i18n: "viewer.help" });
  const modeBanner = h("div", { class: "mode-banner", role: "status", hidden: true });
  const credit = h("p", { class: "attribution", id: "attribution", dir: "auto", hidden: true });
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
  const tagCentre = h(
    "button",
    { type: "button", class: "ctl tag-centre", id: "tag-centre", onClick: () => pick(view?.pov()) },
    h("span", { html: icons.crosshair }),
    h("span", { class: "ctl-text", i18n: "viewer.tagCentre" }),
  );
  const controls = h(
    "div",
    { class: "viewer-controls" },
    control("viewer.left", "◀", () => view?.pan(-20, 0)),
    control("viewer.up", "▲", () => view?.pan(0, 10)),
    control("viewer.down", "▼", () => view?.pan(0, -10)),
    control("viewer.right", "▶", () => view?.pan(20, 0)),
    control("viewer.zoomOut", "−", () => view?.zoomBy(-1)),
    control("viewer.zoomIn", "+", () => view?.zoomBy(1)),
    tagCentre,
  );
  const element = h(
    "section",
    { class: "task" },
    h("div", { class: "task-bar" }, h("h1", { class: "campaign-name", dir: "auto" }, opts.campaign.name), progress),
    tutorial,
    h(
      "div",
      { class: "viewer-wrap" },
      viewerEl,
      h("div", { class: "crosshair", html: icons.crosshair }),
      modeBanner,
      credit,
      controls,
      help,
    ),
    h("div", { class: "side" }, tip, panelSlot, listTitle, list, actions, status, statsBox),
  );

  let s: State = initial;
  let view: PanoView | null = null;
  const wired = new WeakSet<PanoView>(); // views whose clicks reach this screen
  let startedAt = "";
  let tipHidden = false;
  let panelShown = ""; // what the panel slot holds, so answers do not rebuild it
  const results: SubmissionResult[] = [];

  /** Apply an event; render when the state changed. Returns whether it did. */
  function dispatch(event: Event): boolean {
    const next = transition(s, event);
    if (next === s) return false;
    s = next;
    render();
    return true;
  }

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
    if (s.mode === "feedback" && s.feedback) return feedbackMarkers(s.feedback.tags, s.feedback.result, (k) => t(k));
    return tagMarkers(s.tags, s.draft, s.editing);
  }

  function render() {
    view?.setMarkers(markers());
    const locked = !editable(s);
    submitBtn.disabled = locked || s.tags.length === 0 || s.draft !== null;
    for (const b of [noneBtn, problemBtn, skipBtn]) b.disabled = locked;
    flagBtn.disabled = !s.lease;
    tagCentre.disabled = locked;
    tr(listTitle, "list.title", { n: s.tags.length });
    replace(list, ...tagListItems([...s.tags], s.editing, locked, (i) => dispatch({ type: "edit", index: i }) && lookAtEdited(), remove));
    const placing = s.mode === "placing";
    // Filled on entering, so the status region announces it, and left alone while it shows.
    if (placing && modeBanner.hidden) {
      replace(
        modeBanner,
        h("span", { i18n: "tag.baseMode" }),
        " ",
        h("button", { type: "button", class: "link", i18n: "dialog.cancel", onClick: () => dispatch({ type: "cancel" }) }),
      );
    }
    modeBanner.hidden = !placing;
    panelSlot.hidden = placing; // the whole photo is needed to click the ground
    actions.hidden = s.mode === "feedback";
    renderPanel();
  }

  /** The question panel while a tag is open, the feedback after a tutorial task, else nothing;
   * while an answer is on its way (submitting, error) the panel stays as it was. */
  function renderPanel() {
    if (s.mode === "submitting" || s.mode === "error") return;
    const open = (s.mode === "answering" || s.mode === "placing") && s.draft;
    const key = open ? `tag:${s.panel}` : s.mode === "feedback" ? "feedback" : "";
    if (key === panelShown) return;
    panelShown = key;
    if (open && s.draft) {
      replace(
        panelSlot,
        tagPanel(s.draft, s.editing === null ? null : s.editing + 1, {
          onAnswer: (answer) => dispatch({ type: "answer", answer }),
          onSave: save,
          onCancel: closePanel,
          onDelete: s.editing === null ? undefined : () => remove(s.editing!),
          onBase: () => dispatch({ type: "markBase" }) && viewerEl.focus(),
          onClearBase: () => dispatch({ type: "clearBase" }) && panelSlot.querySelector<HTMLElement>("#mark-base")?.focus(),
        }),
      );
    } else if (key === "feedback" && s.feedback) {
      const missed = s.feedback.result.missed;
      replace(
        panelSlot,
        feedbackPanel(s.feedback.tags, s.feedback.result, {
          onShowMissed: (i) => view?.look(missed[i].heading, missed[i].pitch),
          onNext: () => void opts.onNext(),
        }),
      );
    } else {
      replace(panelSlot);
    }
  }

  /** A click, a tap or Enter on the centre: place, move, or set the base of the open tag. */
  function pick(pov: Pov | undefined) {
    if (!pov) return;
    const before = s.mode;
    if (!dispatch({ type: "pick", pov })) {
      if (before === "placing") say("tag.baseAbove"); // the foot is below the camera
      return;
    }
    if (before === "placing") say("tag.baseDone");
    else if (before === "idle") say("tag.placed");
    (panelSlot.querySelector("input[name=attachment]:checked, input[name=attachment]") as HTMLElement | null)?.focus({
      preventScroll: true,
    });
    keepMarkVisible();
  }

  /** On a phone the questions cover the lower screen: scroll so the mark sits above them. */
  function keepMarkVisible() {
    if (getComputedStyle(panelSlot).position !== "fixed") return;
    const sheet = panelSlot.getBoundingClientRect().height;
    const box = viewerEl.getBoundingClientRect();
    const markY = box.top + box.height / 2;
    window.scrollBy({ top: markY - (window.innerHeight - sheet) / 2 });
  }

  function lookAtEdited() {
    if (s.draft) view?.look(s.draft.heading, s.draft.pitch);
  }

  function save() {
    const n = s.editing === null ? s.tags.length + 1 : s.editing + 1;
    if (!dispatch({ type: "save" })) return;
    say("tag.saved", { n });
    viewerEl.focus({ preventScroll: true });
  }

  function closePanel() {
    if (dispatch({ type: "cancel" }) && s.mode === "idle") viewerEl.focus({ preventScroll: true });
  }

  function remove(i: number) {
    if (!dispatch({ type: "remove", index: i })) return;
    say("tag.deleted");
    viewerEl.focus({ preventScroll: true });
  }

  /** Show a lease. `fresh`: its image URL was just asked for again, so a failure is final. */
  async function show(lease: Lease, fresh = false): Promise<void> {
    dispatch({ type: "load", lease });
    say("common.loading");
    showProgress(progress, tutorial, lease);
    showTip(tip, lease, tipHidden, () => (tipHidden = true));
    void showStats(statsBox);
    const pano = lease.task.panorama;
    replace(credit, ...creditLine(pano.attribution));
    credit.hidden = !credit.firstChild;
    // A signed URL whose time is up is not even tried: the same lease comes back with a new one.
    if (!fresh && expired(pano.image_expires_at)) return refresh();
    const v = await opts.viewFor(lease, viewerEl);
    view = v;
    if (v && !wired.has(v)) {
      wired.add(v);
      v.onPick(pick);
      v.onMarker((id) => id.startsWith("tag-") && dispatch({ type: "edit", index: Number(id.slice(4)) }) && lookAtEdited());
    }
    if (!v) {
      dispatch({ type: "loaded" });
      say("viewer.unsupported");
      return;
    }
    try {
      await v.load({ url: pano.image_url, panoId: pano.pano_id, heading: pano.heading ?? 0, tiles: pano.image_tiles });
      say(null);
    } catch {
      // A URL that expires may have died on the way (or the clock here is off): once more, fresh.
      if (!fresh && pano.image_expires_at && s.lease === lease) return refresh();
      say("viewer.loadFailed");
    }
    if (s.lease !== lease) return; // another lease was shown meanwhile
    startedAt = new Date().toISOString();
    dispatch({ type: "loaded" });
    viewerEl.focus({ preventScroll: true });
  }

  async function refresh(): Promise<void> {
    try {
      const lease = await opts.onRefresh();
      if (lease) return await show(lease, true);
      await opts.onNext();
    } catch (error) {
      dispatch({ type: "loaded" });
      say(errorKey(error));
    }
  }

  /** Send the answer on screen, once: a double click finds the state already submitting. */
  function submit(body: Omit<SubmissionBody, "idempotency_key" | "started_at">) {
    const lease = s.lease;
    if (!lease || !dispatch({ type: "submit" })) return;
    void deliver(prepare(lease.id, { ...body, started_at: startedAt || undefined }));
  }

  async function deliver(out: Outgoing) {
    say("submit.sending");
    try {
      const result = await send(out, (n) => say("submit.retrying", { n }));
      results.push(result);
      await done(result, out.body.tags);
    } catch (error) {
      await failed(error, out);
    }
  }

  async function done(result: SubmissionResult, tags: TagBody[]) {
    say("submit.saved");
    if (dispatch({ type: "sent", tags, feedback: result.feedback })) {
      (panelSlot.querySelector("#feedback") as HTMLElement | null)?.focus();
      return;
    }
    await opts.onNext();
  }

  async function failed(error: unknown, out: Outgoing) {
    const code = error instanceof ApiError ? error.code : "";
    if (code === "lease_used") return opts.onNext(); // already stored by an earlier attempt
    if (code === "decoder_suspended") {
      dispatch({ type: "rejected" });
      return replace(status, h("strong", { id: "suspended", i18n: "suspended.body" }));
    }
    if (code === "lease_expired" || code === "assignment_not_found") {
      say("submit.expired");
      try {
        if ((await opts.onRenew(s.lease!.task.id, out.body.tags)) === "other") say("submit.expiredOther");
      } catch (renewError) {
        dispatch({ type: "rejected" });
        say(errorKey(renewError));
      }
      return;
    }
    if (error instanceof ApiError && error.transient) {
      // The answer stays frozen (editing stays locked); "Try again" resends it with the same key.
      dispatch({ type: "offline" });
      const retry = () => dispatch({ type: "retry" }) && void deliver(out);
      replace(
        status,
        h("span", { i18n: "submit.offline" }),
        " ",
        h("button", { type: "button", class: "link", id: "retry-submit", i18n: "error.retry", onClick: retry }),
      );
      return;
    }
    dispatch({ type: "rejected" });
    say(errorKey(error));
  }

  function submitCameras() {
    if (s.tags.length > 0) submit({ outcome: "cameras", tags: bodyTags() });
  }

  async function submitNone() {
    if (s.tags.length && !(await confirmDialog("confirm.noneTitle", "confirm.noneBody", "confirm.noneYes", { n: s.tags.length }))) return;
    submit({ outcome: "no_cameras", tags: [] });
  }

  async function reportProblem() {
    const report: ProblemReport | null = await problemDialog();
    if (report) submit({ outcome: "problem", tags: [], problem: report });
  }

  async function skip() {
    const lease = s.lease;
    if (!lease || !dispatch({ type: "submit" })) return;
    try {
      await post(`/assignments/${lease.id}/skip`);
    } catch (error) {
      // An expired or used lease is as good as skipped; anything else is worth telling.
      if (!(error instanceof ApiError && error.status === 409)) {
        dispatch({ type: "rejected" });
        return say(errorKey(error));
      }
    }
    await opts.onNext();
  }

  bindViewerKeys(
    viewerEl,
    () => view,
    () => pick(view?.pov()),
    closePanel,
  );
  window.addEventListener("decoders:language", () => {
    render();
    if (s.lease) showProgress(progress, tutorial, s.lease);
  });

  return {
    element,
    get view() {
      return view;
    },
    get lease() {
      return s.lease;
    },
    results,
    get mode() {
      return s.mode;
    },
    show,
    adopt(lease: Lease, tags: TagBody[]) {
      if (dispatch({ type: "adopt", lease }))
        void deliver(prepare(lease.id, { outcome: "cameras", tags, started_at: startedAt || undefined }));
    },
    notice: say,
    resend(out: Outgoing) {
      // An answer a previous page left unconfirmed: sent as is, with its own key.
      if (dispatch({ type: "submit" })) void deliver(out);
    },
  };
}
