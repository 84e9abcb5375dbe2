import type { User } from "../api/types";

/**
 * The fields of a profile (docs/protocol.md "Profiles"), from a payload that
 * carries the user's whole profile: one without `avatar_url` has none, so
 * the key is always set and a removed avatar goes away everywhere.
 */
export function profileOf(u: User): Pick<User, "username" | "display_name" | "status_message" | "avatar_url"> {
  return { username: u.username, display_name: u.display_name, status_message: u.status_message ?? "", avatar_url: u.avatar_url };
}
