import { describe, expect, it } from "vitest";
import type { Member } from "../api/types";
import { initialOf, roomPicture } from "./avatar";

describe("initialOf", () => {
  it.each([
    ["김민수", "김"],
    ["🎉 Party", "P"],
    ["🎉🎉", null],
    ["  alice", "A"],
    ["alice smith", "A"],
    ["", null],
    ["   ", null],
    ["★ Star", "S"],
    ["👩‍👩‍👧 family", "F"],
    ["1️⃣ one", "O"],
    ["2024 club", "2"],
    ["élodie", "É"],
    ["e\u0301lodie", "E\u0301"],
    ["ß", "SS"],
    ["東京", "東"],
    ["(group)", "G"],
    ["#general", "G"],
  ])("%j → %j", (name, want) => {
    expect(initialOf(name)).toBe(want);
  });
});

const member = (id: string, name: string, role: Member["role"] = "member"): Member => ({
  room_id: "r",
  user_id: id,
  username: id,
  display_name: name,
  status_message: "",
  role,
  last_read_seq: 0,
  joined_at: "2025-02-01T09:00:00.000Z",
  online: false,
});

describe("roomPicture", () => {
  const group = { id: "r", kind: "group" as const, name: "Trip" };
  it("shows the title's initial while the members are not known, and with fewer than two others", () => {
    expect(roomPicture(group, { title: "Trip", me: "me" })).toEqual({ kind: "face", face: { name: "Trip", seed: "r" } });
    expect(roomPicture(group, { title: "Trip", me: "me", members: [member("me", "Me", "owner"), member("b", "Bob")] })).toEqual({
      kind: "face",
      face: { name: "Trip", seed: "r" },
    });
  });
  it("collages up to four others, owner first, never me", () => {
    const members = [member("me", "Me"), member("b", "Bob"), member("c", "Carol"), member("d", "Dan"), member("e", "Eve"), member("o", "Olga", "owner")];
    const p = roomPicture(group, { title: "Trip", me: "me", members });
    expect(p.kind === "collage" && p.faces.map((f) => f.seed)).toEqual(["o", "b", "c", "d"]);
  });
  it("shows the peer of a 1:1", () => {
    const peer = { id: "b", username: "bob", display_name: "Bob", status_message: "", created_at: "", avatar_url: "/a" };
    expect(roomPicture({ id: "r", kind: "direct", name: "" }, { title: "Bob", me: "me", peer })).toEqual({
      kind: "face",
      face: { name: "Bob", seed: "b", url: "/a" },
    });
  });
});
