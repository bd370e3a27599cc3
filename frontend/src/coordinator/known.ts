// Known answers on the coordinator page: the campaign's known-answer tasks a page at a time,
// each used as a tutorial task (shown first, with feedback) or a hidden check, a way into the
// review screen to label or re-label a task, and the known-camera CSV import.
import { ApiError, get, post, request } from "../lib/api";
import { h, replace, tr } from "../lib/dom";
import { formatDate, formatNumber, t, type Key } from "../lib/i18n";
import { errorKey } from "../lib/join";
import type { Campaign, KnownAnswer, KnownImport } from "../lib/types";

export const KNOWN_PAGE = 20;

type Use = KnownAnswer["use"];
const USE_KEY: Record<Use, Key> = { tutorial: "known.tutorial", check: "known.check" };

/** The API's refusal as it sent it (code and message), else the page's own wording. */
function refusal(el: HTMLElement, error: unknown): void {
  if (error instanceof ApiError && error.status !== 0) tr(el, "known.refused", { message: error.message, code: error.code });
  else tr(el, errorKey(error));
}

/** Empty a message, so a language switch does not bring the last one back. */
function clear(el: HTMLElement): void {
  delete el.dataset.i18n;
  delete el.dataset.i18nArgs;
  el.textContent = "";
}

const reviewHref = (taskId: number) => `/review/?task=${taskId}`;

/** Open any task of the campaign in the review screen, by its number. */
function openForm(): HTMLElement {
  const input = h("input", { id: "known-task", type: "number", min: 1, required: true, inputmode: "numeric" }) as HTMLInputElement;
  const form = h(
    "form",
    { class: "known-open", id: "known-open" },
    h("div", { class: "field inline" }, h("label", { for: "known-task", i18n: "known.taskNumber" }), input),
    h("button", { type: "submit", i18n: "known.open" }),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const id = Math.trunc(Number(input.value));
    if (id > 0) location.assign(reviewHref(id));
  });
  return h("div", {}, h("h3", { i18n: "known.openTitle" }), form);
}

function importForm(campaign: Campaign, done: () => Promise<void>): HTMLElement {
  const out = h("div", { class: "import-result", id: "known-import-result", "aria-live": "polite" });
  const file = h("input", { id: "known-file", name: "file", type: "file", required: true, accept: ".csv,text/csv" }) as HTMLInputElement;
  const use = h(
    "select",
    { id: "known-import-use" },
    h("option", { value: "", i18n: "known.importKeep" }),
    h("option", { value: "tutorial", i18n: "known.importTutorial" }),
    h("option", { value: "check", i18n: "known.importCheck" }),
  ) as HTMLSelectElement;
  const button = h("button", { type: "submit", class: "primary", i18n: "import.upload" }) as HTMLButtonElement;
  const form = h(
    "form",
    { class: "import", id: "known-import" },
    h("h3", { i18n: "known.importTitle" }),
    h("p", { class: "hint", i18n: "known.importHint" }),
    h("div", { class: "field" }, h("label", { for: "known-file", i18n: "import.file" }), file),
    h("div", { class: "field" }, h("label", { for: "known-import-use", i18n: "known.importUse" }), use),
    button,
    out,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = new FormData();
    if (file.files?.[0]) body.append("file", file.files[0]);
    const query = use.value ? `?use=${use.value}` : "";
    button.disabled = true;
    tr(out, "import.uploading");
    try {
      const path = `/campaigns/${encodeURIComponent(campaign.slug)}/known-answers/import${query}`;
      const result = (await request<KnownImport>("POST", path, body)).data;
      replace(out, h("p", { class: "ok", i18n: "known.importDone", i18nArgs: { tasks: result.tasks, cameras: result.cameras } }));
      await done();
    } catch (error) {
      const message = h("p", { class: "form-error", role: "alert" });
      refusal(message, error);
      // The import's row errors come as "line N: …" strings.
      const rows = error instanceof ApiError && Array.isArray(error.details) ? error.details.map(String) : [];
      replace(out, message, rows.length > 0 && h("ul", { class: "errors" }, ...rows.map((r) => h("li", { dir: "auto" }, r))));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** The known-answers card: list, promote to tutorial or hidden check and back, review, import. */
export function knownCard(campaign: Campaign): HTMLElement {
  const slug = encodeURIComponent(campaign.slug);
  const body = h("div", { id: "known-body" }, h("p", { role: "status", i18n: "common.loading" }));
  const error = h("p", { class: "form-error", role: "alert", id: "known-error" });
  const notice = h("p", { class: "ok", role: "status", id: "known-notice" });
  let answers: KnownAnswer[] = [];
  let page = 0;

  const use = async (answer: KnownAnswer, next: Use, button: HTMLButtonElement) => {
    button.disabled = true;
    clear(error);
    clear(notice);
    try {
      const saved = (await post<KnownAnswer>(`/tasks/${answer.task_id}/known-answer/use`, { use: next })).data;
      tr(notice, saved.use === "tutorial" ? "known.nowTutorial" : "known.nowCheck", { id: saved.task_id });
      await load(saved.task_id);
    } catch (e) {
      refusal(error, e);
      button.disabled = false;
    }
  };

  const row = (a: KnownAnswer) => {
    const next: Use = a.use === "tutorial" ? "check" : "tutorial";
    const action = h("button", {
      type: "button",
      class: `known-use to-${next}`,
      i18n: next === "tutorial" ? "known.toTutorial" : "known.toCheck",
    }) as HTMLButtonElement;
    action.addEventListener("click", () => void use(a, next, action));
    return h(
      "tr",
      { "data-task": a.task_id, "data-use": a.use },
      h("th", { scope: "row" }, formatNumber(a.task_id)),
      h("td", { class: "known-cameras" }, formatNumber(a.cameras.length)),
      h("td", {}, a.labelled_by ?? h("span", { class: "meta", i18n: "known.imported" })),
      h("td", {}, a.labelled_at ? formatDate(a.labelled_at) : "—"),
      h("td", {}, h("span", { class: `chip known-role ${a.use}`, i18n: USE_KEY[a.use] })),
      h(
        "td",
        { class: "known-actions" },
        action,
        " ",
        h("a", {
          class: "known-review",
          href: reviewHref(a.task_id),
          "aria-label": t("known.openTask", { id: a.task_id }),
          i18n: "known.review",
        }),
      ),
    );
  };

  /** Where the page is in the list; Previous and Next once there is more than one page. */
  const pager = (pages: number) => {
    // The list is drawn anew: keep the focus on the button used, or the other one at an end.
    const go = (to: number, used: "#known-prev" | "#known-next") => {
      page = to;
      render();
      const button = body.querySelector<HTMLButtonElement>(used);
      const other = body.querySelector<HTMLButtonElement>(used === "#known-next" ? "#known-prev" : "#known-next");
      (button && !button.disabled ? button : other)?.focus();
    };
    const from = page * KNOWN_PAGE + 1;
    const to = Math.min(answers.length, (page + 1) * KNOWN_PAGE);
    const range = h("span", {
      id: "known-range",
      "aria-live": "polite",
      i18n: "known.range",
      i18nArgs: { from, to, total: answers.length },
    });
    if (pages === 1) return h("p", { class: "pager" }, range);
    return h(
      "nav",
      { class: "pager", id: "known-pager", i18nLabel: "known.pages" },
      h("button", {
        type: "button",
        id: "known-prev",
        i18n: "known.prev",
        disabled: page === 0,
        onClick: () => go(page - 1, "#known-prev"),
      }),
      range,
      h("button", {
        type: "button",
        id: "known-next",
        i18n: "known.next",
        disabled: page >= pages - 1,
        onClick: () => go(page + 1, "#known-next"),
      }),
    );
  };

  function render(): void {
    if (answers.length === 0) return replace(body, h("p", { class: "hint", id: "known-empty", i18n: "known.empty" }));
    const pages = Math.ceil(answers.length / KNOWN_PAGE);
    page = Math.min(Math.max(page, 0), pages - 1);
    const col = (key: Key) => h("th", { scope: "col", i18n: key });
    replace(
      body,
      h(
        "table",
        { class: "wide known", id: "known-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            col("known.task"),
            col("known.cameras"),
            col("known.labelledBy"),
            col("known.labelledAt"),
            col("known.use"),
            col("known.action"),
          ),
        ),
        h("tbody", {}, ...answers.slice(page * KNOWN_PAGE, (page + 1) * KNOWN_PAGE).map(row)),
      ),
      pager(pages),
    );
  }

  // The API answers the whole list (tutorials first, then by task); the page shows a slice.
  // After a change the task moves (tutorials come first): show its page and keep the focus on it.
  async function load(follow?: number): Promise<void> {
    try {
      answers = (await get<{ known_answers: KnownAnswer[] }>(`/campaigns/${slug}/known-answers`)).known_answers;
      const at = follow === undefined ? -1 : answers.findIndex((a) => a.task_id === follow);
      if (at >= 0) page = Math.floor(at / KNOWN_PAGE);
      render();
      if (at >= 0) body.querySelector<HTMLButtonElement>(`tr[data-task="${follow}"] button.known-use`)?.focus();
    } catch (e) {
      const message = h("p", { class: "hint", role: "alert" });
      refusal(message, e);
      replace(body, message);
    }
  }
  void load();
  return h(
    "section",
    { class: "card known-card", id: "known-card", "aria-labelledby": "known-title" },
    h("h2", { id: "known-title", i18n: "known.title" }),
    h("p", { class: "hint", i18n: "known.hint" }),
    error,
    notice,
    body,
    openForm(),
    importForm(campaign, () => load()),
  );
}
