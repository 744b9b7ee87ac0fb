/**
 * The form controls every console page builds its forms from: a labelled input or textarea with its
 * hint, and a refused change shown at the control it is about (`aria-invalid`, `aria-describedby`, the
 * message under it) or above the form when it is about no one field. Pure; every value HTML-escaped here.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { csrfField, notice, page } from './render-console-pages.js';
import type { Viewer } from './render-console-pages.js';

/** A refused change: the API's message and the form field it points at (undefined: the whole form). */
export interface FieldProblem {
  field?: string;
  message: string;
}

interface LabelledOptions {
  name: string;
  label: string;
  problem?: FieldProblem;
  hint?: string;
}

/**
 * A control with its label above, its hint, and the problem's message under it when the problem is about
 * it. `control` gets the id and the ARIA attributes (with their leading space) to put on the control.
 */
function labelled(options: LabelledOptions, control: (id: string, aria: string) => string): string {
  const id = `f-${options.name}`;
  const problem = options.problem?.field === options.name ? options.problem.message : undefined;
  const described = [
    ...(options.hint === undefined ? [] : [`${id}-hint`]),
    ...(problem === undefined ? [] : [`${id}-error`]),
  ];
  const aria = `${described.length === 0 ? '' : ` aria-describedby="${described.join(' ')}"`}${
    problem === undefined ? '' : ' aria-invalid="true"'
  }`;
  return `<div><label for="${id}">${escapeHtml(options.label)}</label>${
    options.hint === undefined ? '' : `<small id="${id}-hint">${escapeHtml(options.hint)}</small>`
  }${control(id, aria)}${
    problem === undefined ? '' : `<p class="field-error" id="${id}-error">${escapeHtml(problem)}</p>`
  }</div>`;
}

/** A labelled input, with the problem's message under it when the problem is about it. */
export function formField(
  options: LabelledOptions & { value?: string; type?: string; extra?: string },
): string {
  return labelled(
    options,
    (id, aria) =>
      `<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${escapeHtml(options.value ?? '')}"${aria}${options.extra ?? ''}>`,
  );
}

/** A textarea with its label, hint and (when the problem is about it) the problem's message. */
export function formTextarea(
  options: LabelledOptions & { value?: string; rows?: number; required?: boolean },
): string {
  return labelled(
    options,
    (id, aria) =>
      `<textarea id="${id}" name="${options.name}" rows="${options.rows ?? 3}" spellcheck="false"${aria}${
        options.required === true ? ' required' : ''
      }>${escapeHtml(options.value ?? '')}</textarea>`,
  );
}

/** The problem above the form when it points at no field of it. */
export function formProblem(problem: FieldProblem | undefined, fields: readonly string[]): string {
  if (problem === undefined || (problem.field !== undefined && fields.includes(problem.field))) return '';
  return notice({ error: problem.message });
}

/** `{ problem }` to spread into a control's options, or nothing. */
export function withProblem(problem: FieldProblem | undefined): { problem?: FieldProblem } {
  return problem === undefined ? {} : { problem };
}

/** What frames a page of one edit form. */
export interface EditFrame {
  title: string;
  /** The navigation entry. */
  current: string;
  /** The page to go back to (the back link and Cancel). */
  back: string;
  /** What the page says above the form. */
  intro: string;
  /** Where the form posts. */
  action: string;
  /** The submit button's text. */
  submit: string;
}

/**
 * A page of one edit form: a back link, the intro, the problem above the form when it points at none of
 * `fieldNames`, the form (CSRF field, `fields`, submit and Cancel).
 */
export function editFormPage(
  viewer: Viewer,
  frame: EditFrame,
  form: { fields: string; fieldNames: readonly string[]; problem?: FieldProblem },
): string {
  return page(
    { title: frame.title, current: frame.current, viewer },
    `<p><a href="${escapeHtml(frame.back)}">← Back</a></p>
<p>${escapeHtml(frame.intro)}</p>
${formProblem(form.problem, form.fieldNames)}
<form class="stack wide" method="post" action="${escapeHtml(frame.action)}" aria-label="${escapeHtml(frame.title)}">${csrfField(viewer.csrfToken)}
${form.fields}
<button class="primary" type="submit">${escapeHtml(frame.submit)}</button> <a href="${escapeHtml(frame.back)}">Cancel</a></form>`,
  );
}
