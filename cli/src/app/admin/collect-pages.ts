/** Every page of a list, up to `limit` items (the admin commands' lists). */
export async function collectPages<T>(
  fetchPage: (page: number, perPage: number) => Promise<{ items: T[]; totalPages?: number }>,
  limit: number,
  perPage = 100,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; items.length < limit; page++) {
    const answer = await fetchPage(page, Math.min(perPage, limit));
    items.push(...answer.items);
    if (answer.items.length === 0 || page >= (answer.totalPages ?? page)) break;
  }
  return items.slice(0, limit);
}
