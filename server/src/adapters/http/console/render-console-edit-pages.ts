/**
 * The HTML of the console's edit pages for what other pages list (a target, a virtual network, a tunnel
 * route): one form of the fields the API lets change, filled with what is stored, a refused change shown
 * at its field. Pure, every value HTML-escaped here, no inline script or style.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { formTextarea } from './render-console-access-pages.js';
import { formField, formProblem } from './render-console-admin-pages.js';
import type { FieldProblem } from './render-console-admin-pages.js';
import { csrfField, page } from './render-console-pages.js';
import type { Viewer } from './render-console-pages.js';

export interface EditField {
  name: string;
  label: string;
  value: string;
  hint?: string;
  /** A textarea (several lines) rather than one line. */
  lines?: number;
  required?: boolean;
}

export function renderEditPage(
  viewer: Viewer,
  model: {
    title: string;
    /** The navigation entry, and the page to go back to. */
    current: string;
    back: string;
    /** What the page says above the form. */
    intro: string;
    action: string;
    fields: EditField[];
    submit: string;
    problem?: FieldProblem;
  },
): string {
  const problem = model.problem === undefined ? {} : { problem: model.problem };
  const fields = model.fields.map((entry) =>
    entry.lines === undefined
      ? formField({
          name: entry.name,
          label: entry.label,
          value: entry.value,
          ...problem,
          ...(entry.hint === undefined ? {} : { hint: entry.hint }),
          extra: `${entry.required === true ? ' required' : ''} spellcheck="false" autocomplete="off"`,
        })
      : formTextarea({
          name: entry.name,
          label: entry.label,
          value: entry.value,
          ...problem,
          ...(entry.hint === undefined ? {} : { hint: entry.hint }),
          rows: entry.lines,
        }),
  );
  return page(
    { title: model.title, current: model.current, viewer },
    `<p><a href="${escapeHtml(model.back)}">← Back</a></p>
<p>${escapeHtml(model.intro)}</p>
${formProblem(
  model.problem,
  model.fields.map((entry) => entry.name),
)}
<form class="stack wide" method="post" action="${escapeHtml(model.action)}" aria-label="${escapeHtml(model.title)}">${csrfField(viewer.csrfToken)}
${fields.join('\n')}
<button class="primary" type="submit">${escapeHtml(model.submit)}</button> <a href="${escapeHtml(model.back)}">Cancel</a></form>`,
  );
}
