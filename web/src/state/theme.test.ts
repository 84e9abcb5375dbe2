import { describe, expect, it } from "vitest";
import { parseThemeChoice, resolveTheme, ThemeStore, themeKey, type Theme } from "./theme";

class FakeScheme {
  matches: boolean;
  private listeners: (() => void)[] = [];
  constructor(dark: boolean) {
    this.matches = dark;
  }
  addEventListener(_: "change", l: () => void) {
    this.listeners.push(l);
  }
  set(dark: boolean) {
    this.matches = dark;
    for (const l of this.listeners) l();
  }
}

function env(stored: string | null, dark: boolean) {
  const data = new Map<string, string>();
  if (stored !== null) data.set(themeKey, stored);
  const applied: Theme[] = [];
  const scheme = new FakeScheme(dark);
  const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
  return { data, applied, scheme, env: { storage, systemDark: scheme, apply: (t: Theme) => applied.push(t) } };
}

describe("theme", () => {
  it("reads an unknown or missing choice as following the system", () => {
    expect(parseThemeChoice(null)).toBe("system");
    expect(parseThemeChoice("purple")).toBe("system");
    expect(parseThemeChoice("dark")).toBe("dark");
    expect(parseThemeChoice("light")).toBe("light");
  });

  it("resolves a fixed choice regardless of the system and 'system' by it", () => {
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
  });

  it("applies the stored choice at once, before anything renders", () => {
    const e = env("dark", false);
    const s = new ThemeStore(e.env);
    expect(e.applied).toEqual(["dark"]);
    expect(s.choice).toBe("dark");
  });

  it("follows the system live while the choice is 'system', and not once a theme is fixed", () => {
    const e = env(null, false);
    const s = new ThemeStore(e.env);
    let heard = 0;
    s.subscribe(() => heard++);
    e.scheme.set(true);
    expect(e.applied).toEqual(["light", "dark"]);
    expect(s.theme).toBe("dark");
    s.choose("light");
    expect(e.data.get(themeKey)).toBe("light");
    e.scheme.set(false);
    e.scheme.set(true);
    expect(e.applied).toEqual(["light", "dark", "light"]);
    expect(heard).toBe(4);
  });

  it("still changes the page when storage refuses", () => {
    const e = env(null, false);
    e.env.storage.getItem = () => {
      throw new Error("denied");
    };
    e.env.storage.setItem = () => {
      throw new Error("denied");
    };
    const s = new ThemeStore(e.env);
    s.choose("dark");
    expect(e.applied).toEqual(["light", "dark"]);
  });
});
