/**
 * An aligned text table, the way the CLI prints lists: a heading row, then one row per item; columns
 * padded with spaces, two between columns, no trailing spaces (so the last column may be as long as it
 * likes), every line ending in a newline.
 */
export function renderTextTable(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headings, ...rows];
  const widths = headings.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
