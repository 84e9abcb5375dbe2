import { describe, expect, it } from "vitest";
import { codeFromLocation, linkState, linkUrl, PendingJoin } from "./joinlink";

const code = "q3M0Kx9aZ2b8yP1wV7cN4g";

describe("invite links", () => {
  it("reads a code from /join/<code> or #/join/<code>, nothing else", () => {
    expect(codeFromLocation(`/join/${code}`)).toBe(code);
    expect(codeFromLocation(`/join/${code}/`)).toBe(code);
    expect(codeFromLocation("/", `#/join/${code}`)).toBe(code);
    expect(codeFromLocation("/join/short")).toBeNull();
    expect(codeFromLocation(`/join/${code}x`)).toBeNull();
    expect(codeFromLocation(`/rooms/${code}`)).toBeNull();
    expect(codeFromLocation("/join/%3Cscript%3E")).toBeNull();
    expect(linkUrl("https://chat.example", code)).toBe(`https://chat.example/join/${code}`);
  });

  it("keeps a code through the login, once", () => {
    const m = new Map<string, string>();
    const j = new PendingJoin({ getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) });
    expect(j.peek()).toBeNull();
    j.remember(code);
    expect(j.peek()).toBe(code);
    j.forget();
    expect(j.peek()).toBeNull();
    m.set("parley.join", "not a code");
    expect(j.peek()).toBeNull();
    expect(new PendingJoin(null).peek()).toBeNull();
  });

  it("says how a link stands", () => {
    const now = new Date("2025-03-01T12:00:00Z");
    expect(linkState({ uses: 0 }, now)).toEqual({ usable: true, text: "0 uses" });
    expect(linkState({ uses: 3, max_uses: 10 }, now).text).toBe("3 of 10 uses");
    expect(linkState({ uses: 10, max_uses: 10 }, now)).toEqual({ usable: false, text: "10 of 10 uses · used up" });
    expect(linkState({ uses: 1, expires_at: "2025-03-01T11:00:00Z" }, now)).toEqual({ usable: false, text: "1 use · expired" });
    const later = linkState({ uses: 1, expires_at: "2025-03-02T11:00:00Z" }, now);
    expect(later.usable).toBe(true);
    expect(later.text).toMatch(/^1 use · expires /);
  });
});
