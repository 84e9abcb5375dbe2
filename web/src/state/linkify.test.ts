import { describe, expect, it } from "vitest";
import { splitLinks } from "./linkify";

describe("splitLinks", () => {
  it("links http and https URLs and leaves the rest as text", () => {
    expect(splitLinks("see https://example.org/a?b=1 now")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { kind: "text", text: " now" },
    ]);
  });

  it("never links other schemes", () => {
    for (const t of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org", "<a href=x>y</a>"]) {
      expect(splitLinks(t)).toEqual([{ kind: "text", text: t }]);
    }
  });

  it("leaves sentence punctuation outside, keeps balanced parentheses inside", () => {
    expect(splitLinks("go to http://x.org.")[1]).toMatchObject({ kind: "link", text: "http://x.org" });
    expect(splitLinks("(https://en.wikipedia.org/wiki/Go_(game))")[1]).toMatchObject({
      kind: "link",
      text: "https://en.wikipedia.org/wiki/Go_(game)",
    });
  });

  it("does not let markup ride along in a URL", () => {
    const s = splitLinks('https://x.org/"onmouseover="alert(1)');
    expect(s[0]).toMatchObject({ kind: "link", href: "https://x.org/" });
  });
});
