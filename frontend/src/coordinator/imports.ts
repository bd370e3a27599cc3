// Import forms: upload a file, then show the counts, or the row-numbered list of errors.
import { ApiError, request } from "../lib/api";
import { h, replace, tr } from "../lib/dom";
import { formatNumber, type Key } from "../lib/i18n";
import { errorKey } from "../lib/join";
import type { Campaign } from "../lib/types";

type Kind = "locations" | "areas" | "panoramas";

interface ImportResult {
  created: number;
  updated: number;
  merged: number;
  counts?: Record<string, number>;
  warnings?: Issue[];
  warnings_total?: number;
}
interface Issue {
  file?: string | null;
  row?: number;
  error?: string;
  msg?: string;
}

function issueTable(issues: Issue[]): HTMLElement {
  return h(
    "table",
    { class: "wide errors" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col", i18n: "import.row" }), h("th", { scope: "col", i18n: "import.error" }))),
    h(
      "tbody",
      {},
      ...issues
        .slice(0, 500)
        .map((r) =>
          h("tr", {}, h("td", {}, `${r.file ? `${r.file}:` : ""}${r.row ?? "–"}`), h("td", {}, r.error ?? r.msg ?? JSON.stringify(r))),
        ),
    ),
  );
}

function report(out: HTMLElement, data: ImportResult): void {
  const numbers: [string, number][] = [
    ["created", data.created],
    ["updated", data.updated],
    ["merged", data.merged],
    ...Object.entries(data.counts ?? {}),
  ];
  const warnings = data.warnings ?? [];
  replace(
    out,
    h("p", { class: "ok", i18n: "import.done" }),
    h("dl", { class: "report" }, ...numbers.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, formatNumber(v))])),
    warnings.length > 0 && h("p", { i18n: "import.warnings", i18nArgs: { n: data.warnings_total ?? warnings.length } }),
    warnings.length > 0 && issueTable(warnings),
  );
}

function rowErrors(out: HTMLElement, error: ApiError): void {
  const rows = Array.isArray(error.details) ? (error.details as Issue[]) : [];
  replace(out, h("p", { class: "form-error", role: "alert" }, error.message), rows.length > 0 && issueTable(rows));
}

function form(campaign: Campaign, kind: Kind): HTMLElement {
  const id = `import-${kind}`;
  const out = h("div", { class: "import-result", "aria-live": "polite" });
  const extra =
    kind === "areas"
      ? [
          h(
            "div",
            { class: "field" },
            h("label", { for: `${id}-kind`, i18n: "import.areaKind" }),
            h("input", { id: `${id}-kind`, name: "kind", value: "neighbourhood" }),
          ),
          h(
            "div",
            { class: "field" },
            h("label", { for: `${id}-name`, i18n: "import.nameField" }),
            h("input", { id: `${id}-name`, name: "name_field", placeholder: "name" }),
          ),
        ]
      : [];
  const el = h(
    "form",
    { class: "import", id },
    h("h3", { i18n: `import.${kind}` as Key }),
    h("p", { class: "hint", i18n: `import.${kind}Hint` as Key }),
    h(
      "div",
      { class: "field" },
      h("label", { for: `${id}-file`, i18n: "import.file" }),
      h("input", { id: `${id}-file`, name: "file", type: "file", required: true, accept: ".csv,.geojson,.json" }),
    ),
    ...extra,
    h("button", { type: "submit", class: "primary", i18n: "import.upload" }),
    out,
  );
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    // The file goes in the multipart body; the options are query parameters.
    const data = new FormData();
    const query = new URLSearchParams();
    for (const [k, v] of new FormData(el).entries()) {
      if (k === "file") data.append(k, v);
      else if (v !== "") query.set(k, String(v));
    }
    const button = el.querySelector("button") as HTMLButtonElement;
    button.disabled = true;
    tr(out, "import.uploading");
    try {
      report(out, (await request<ImportResult>("POST", `/campaigns/${campaign.slug}/imports/${kind}?${query}`, data)).data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) rowErrors(out, error);
      else tr(out, errorKey(error));
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function importForms(campaign: Campaign): HTMLElement {
  return h(
    "section",
    { class: "card imports", "aria-labelledby": "imports-title" },
    h("h2", { id: "imports-title", i18n: "import.title" }),
    form(campaign, "locations"),
    form(campaign, "areas"),
    form(campaign, "panoramas"),
  );
}
