// Inline SVG pictograms drawn for this app (stroke = currentColor so they follow the theme).
// Each is decorative: the text beside it is the label (aria-hidden keeps readers quiet).

const svg = (body: string, size = 48) =>
  `<svg viewBox="0 0 48 48" width="${size}" height="${size}" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const logo = `<svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><circle cx="16" cy="16" r="15" fill="#1d3557"/><path d="M5 16c3-5.5 6.8-8 11-8s8 2.5 11 8c-3 5.5-6.8 8-11 8s-8-2.5-11-8z" fill="#fff"/><circle cx="16" cy="16" r="4.6" fill="#e63946"/><circle cx="17.6" cy="14.4" r="1.4" fill="#fff"/></svg>`;

export const pictograms = {
  // A street light: pole, arm and lamp, with a camera clamped to the pole.
  street_furniture: svg(
    `<path d="M18 44V6h14"/><path d="M28 6l4 5h-8z" fill="currentColor"/><path d="M13 44h10"/>` +
      `<rect x="19" y="18" width="11" height="6" rx="1.5" fill="currentColor"/><path d="M30 20l4 -1.5v5L30 22"/>`,
  ),
  // A building front with windows; a camera on the corner.
  building: svg(
    `<path d="M8 44V10h24v34"/><path d="M4 44h40"/><path d="M14 16h4M22 16h4M14 24h4M22 24h4M14 32h4M22 32h4"/>` +
      `<rect x="32" y="14" width="9" height="5" rx="1.5" fill="currentColor"/><path d="M32 16.5h-2"/>`,
  ),
  // Something else: a fence post or tree, shown as an open shape with a question.
  other: svg(
    `<path d="M10 44V22M22 44V22M34 44V22M6 28h32M6 38h32"/><rect x="24" y="8" width="12" height="6" rx="1.5" fill="currentColor"/>` +
      `<path d="M30 14v8"/>`,
  ),
  // A dome / PTZ camera: mount plate and a hemisphere hanging from it.
  dome_ptz: svg(
    `<path d="M10 12h28"/><path d="M24 6v6"/><path d="M12 16h24v2a12 12 0 0 1-24 0z" fill="currentColor" fill-opacity=".15"/>` +
      `<circle cx="24" cy="22" r="4" fill="currentColor"/>`,
  ),
  // A bullet camera: long body, hood and lens, on a bracket.
  bullet: svg(
    `<path d="M8 8v10h8"/><rect x="14" y="14" width="24" height="12" rx="3" fill="currentColor" fill-opacity=".15"/>` +
      `<path d="M38 13l4 -2v18l-4 -2"/><circle cx="40" cy="20" r="1.6" fill="currentColor"/>`,
  ),
  // Not sure which type.
  unknown: svg(
    `<rect x="8" y="14" width="28" height="18" rx="4"/><path d="M36 20l6-3v12l-6-3"/>` +
      `<path d="M18 20a4 4 0 1 1 5 4v2"/><circle cx="23" cy="29.5" r=".6" fill="currentColor"/>`,
  ),
} as const;

export const icons = {
  crosshair: `<svg viewBox="0 0 40 40" width="40" height="40" aria-hidden="true" focusable="false"><g stroke="#fff" stroke-width="4" stroke-linecap="round"><path d="M20 4v10M20 26v10M4 20h10M26 20h10"/></g><g stroke="#e63946" stroke-width="2" stroke-linecap="round"><path d="M20 4v10M20 26v10M4 20h10M26 20h10"/></g></svg>`,
  look: svg(
    `<circle cx="24" cy="24" r="18"/><path d="M24 6v6M24 36v6M6 24h6M36 24h6"/><circle cx="24" cy="24" r="4" fill="currentColor"/>`,
    32,
  ),
  click: svg(`<path d="M14 8l4 26 6-9 10 10 4-4-10-10 9-6z" fill="currentColor" fill-opacity=".15"/>`, 32),
  questions: svg(
    `<rect x="6" y="8" width="36" height="28" rx="5"/><path d="M16 44l6-8"/><path d="M19 18a5 5 0 1 1 6 5v3"/><circle cx="25" cy="31" r=".8" fill="currentColor"/>`,
    32,
  ),
};
