/** Every page of an AWS list call that pages with `NextToken`. */
export async function allPages<T>(list: (nextToken: string | undefined) => Promise<{ items?: T[]; NextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await list(nextToken);
    items.push(...(page.items ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return items;
}
