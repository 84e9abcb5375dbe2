import type { KeyValue } from "./outbox";

/** An invite link's code: 128 random bits, 22 URL-safe base64 characters. */
const codePattern = /^[A-Za-z0-9_-]{22}$/;

/** The code of an invite link's path, `/join/<code>` (or `#/join/<code>`), or null. */
export function codeFromLocation(path: string, hash = ""): string | null {
  const m = /^\/join\/([^/]+)\/?$/.exec(path) ?? /^#\/join\/([^/]+)\/?$/.exec(hash);
  if (!m) return null;
  const code = decodeURIComponent(m[1]!);
  return codePattern.test(code) ? code : null;
}

/** The URL people share for a code. */
export function linkUrl(origin: string, code: string): string {
  return `${origin}/join/${code}`;
}

const key = "parley.join";

/**
 * A link opened before logging in: its code is kept through the login
 * (sessionStorage: this tab only), and offered once the session starts.
 */
export class PendingJoin {
  constructor(private readonly store: KeyValue | null) {}

  remember(code: string): void {
    this.store?.setItem(key, code);
  }

  peek(): string | null {
    const code = this.store?.getItem(key) ?? null;
    return code && codePattern.test(code) ? code : null;
  }

  forget(): void {
    this.store?.removeItem(key);
  }
}

/** Expiry choices for a new link, in seconds (0: never). */
export const linkExpiries: { label: string; seconds: number }[] = [
  { label: "Never", seconds: 0 },
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
  { label: "30 days", seconds: 30 * 86_400 },
];

/** A link's state in words, for its owner: "3 of 10 uses · expires 5 Mar", "used up", "expired". */
export function linkState(l: { uses: number; max_uses?: number; expires_at?: string }, now = new Date()): { usable: boolean; text: string } {
  const uses = l.max_uses ? `${l.uses} of ${l.max_uses} uses` : `${l.uses} ${l.uses === 1 ? "use" : "uses"}`;
  if (l.expires_at && new Date(l.expires_at) <= now) return { usable: false, text: `${uses} · expired` };
  if (l.max_uses && l.uses >= l.max_uses) return { usable: false, text: `${uses} · used up` };
  const expiry = l.expires_at ? ` · expires ${new Date(l.expires_at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}` : "";
  return { usable: true, text: uses + expiry };
}
