import { describe, expect, it } from "vitest";
import { charCount, lengthError, limits } from "./limits";

describe("lengths count code points, as the server does", () => {
  it("counts an astral emoji once, where String.length counts two", () => {
    expect("👍".length).toBe(2);
    expect(charCount("👍")).toBe(1);
    expect(charCount("héllo")).toBe(5);
    // A combining mark is a code point of its own (no grapheme clustering).
    expect(charCount("e\u0301")).toBe(2);
    // A ZWJ sequence is its code points: 👩 ZWJ 💻.
    expect(charCount("👩‍💻")).toBe(3);
  });

  it("lets 64 emoji be a display name and refuses 65", () => {
    const name = "🎉".repeat(limits.displayName);
    expect(name.length).toBe(128); // what maxLength={64} would have cut at 32
    expect(lengthError("Display name", name, limits.displayName)).toBe("");
    expect(lengthError("Display name", name + "🎉", limits.displayName)).toBe("Display name is 65 characters; the limit is 64.");
  });

  it("says nothing for text within the limit", () => {
    expect(lengthError("Message", "x".repeat(limits.message), limits.message)).toBe("");
    expect(lengthError("Message", "x".repeat(limits.message + 1), limits.message)).not.toBe("");
  });
});
