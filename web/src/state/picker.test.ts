import { describe, expect, it } from "vitest";
import { matchesPerson, pickable } from "./picker";

const p = (id: string, username: string, display_name: string) => ({ id, username, display_name });

describe("matchesPerson", () => {
  it.each([
    ["", true],
    ["  ", true],
    ["jo", true],
    ["JOSE", true],
    ["josé", true],
    ["garc", true],
    ["@jgar", true],
    ["jgar", true],
    ["arcia", true],
    ["gar7", false],
    ["cia1", false],
  ])("José García (@jgarcia7) with %j → %s", (q, want) => {
    expect(matchesPerson(p("1", "jgarcia7", "José García"), q)).toBe(want);
  });
  it("finds Korean names by any part", () => {
    expect(matchesPerson(p("1", "minsu", "김민수"), "민수")).toBe(true);
  });
});

describe("pickable", () => {
  it("leaves out the excluded (already in the room)", () => {
    const people = [p("a", "ann", "Ann"), p("b", "anna", "Anna"), p("c", "bob", "Bob")];
    expect(pickable(people, "ann", new Set(["a"])).map((x) => x.id)).toEqual(["b"]);
  });
});
