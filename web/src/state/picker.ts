import type { User, UserID } from "../api/types";

/** Lower-cased, accents kept apart from their letters, so "jose" finds "José". */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

/**
 * Whether a person matches what was typed in a picker's search box: any
 * word of their display name starting with it, the name containing it, or
 * their username starting with it (an "@" in front is allowed).
 */
export function matchesPerson(u: Pick<User, "username" | "display_name">, query: string): boolean {
  const q = fold(query.trim().replace(/^@/, ""));
  if (!q) return true;
  return fold(u.display_name).includes(q) || fold(u.username).startsWith(q);
}

/** The people a picker lists: those matching the query, minus the ones that may not be picked (already members). */
export function pickable<T extends Pick<User, "id" | "username" | "display_name">>(people: readonly T[], query: string, excluded: ReadonlySet<UserID> = new Set()): T[] {
  return people.filter((u) => !excluded.has(u.id) && matchesPerson(u, query));
}
