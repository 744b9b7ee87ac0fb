/**
 * The HTML of the console's edit pages for what other pages list (a target, a virtual network, a tunnel
 * route): one form of the fields the API lets change, filled with what is stored, a refused change shown
 * at its field. Pure, every value HTML-escaped here, no inline script or style.
 */
import { editFormPage, formField, formTextarea, withProblem } from './render-console-forms.js';
import type { EditFrame, FieldProblem } from './render-console-forms.js';
import type { Viewer } from './render-console-pages.js';
import { escapeHtml } from '../device-pages/render-device-pages.js';

export interface EditField {
  name: string;
  label: string;
  value: string;
  hint?: string;
  /** A textarea (several lines) rather than one line. */
  lines?: number;
  required?: boolean;
  /** A choice among these (a select) rather than text. */
  options?: { value: string; label: string }[];
}

export function renderEditPage(
  viewer: Viewer,
  model: EditFrame & { fields: EditField[]; problem?: FieldProblem },
): string {
  const problem = withProblem(model.problem);
  const fields = model.fields.map((entry) =>
    entry.options !== undefined
      ? selectField(entry, model.problem)
      : entry.lines === undefined
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
  return editFormPage(viewer, model, {
    fields: fields.join('\n'),
    fieldNames: model.fields.map((entry) => entry.name),
    ...problem,
  });
}

/** A select, its refusal (if about it) tied to it as formField does. */
function selectField(entry: EditField, problem: FieldProblem | undefined): string {
  const id = `f-${entry.name}`;
  const message = problem?.field === entry.name ? problem.message : undefined;
  const described = [
    ...(entry.hint === undefined ? [] : [`${id}-hint`]),
    ...(message === undefined ? [] : [`${id}-error`]),
  ];
  return `<div><label for="${id}">${escapeHtml(entry.label)}</label><select id="${id}" name="${escapeHtml(entry.name)}"${message === undefined ? '' : ' aria-invalid="true"'}${described.length === 0 ? '' : ` aria-describedby="${described.join(' ')}"`}>${(
    entry.options ?? []
  )
    .map(
      (option) =>
        `<option value="${escapeHtml(option.value)}"${option.value === entry.value ? ' selected' : ''}>${escapeHtml(option.label)}</option>`,
    )
    .join(
      '',
    )}</select>${entry.hint === undefined ? '' : `<small id="${id}-hint">${escapeHtml(entry.hint)}</small>`}${message === undefined ? '' : `<p class="field-error" id="${id}-error">${escapeHtml(message)}</p>`}</div>`;
}
