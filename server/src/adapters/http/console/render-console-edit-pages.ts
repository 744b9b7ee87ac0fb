/**
 * The HTML of the console's edit pages for what other pages list (a target, a virtual network, a tunnel
 * route): one form of the fields the API lets change, filled with what is stored, a refused change shown
 * at its field. Pure, every value HTML-escaped here, no inline script or style.
 */
import { editFormPage, formField, formTextarea, withProblem } from './render-console-forms.js';
import type { EditFrame, FieldProblem } from './render-console-forms.js';
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
  model: EditFrame & { fields: EditField[]; problem?: FieldProblem },
): string {
  const problem = withProblem(model.problem);
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
  return editFormPage(viewer, model, {
    fields: fields.join('\n'),
    fieldNames: model.fields.map((entry) => entry.name),
    ...problem,
  });
}
