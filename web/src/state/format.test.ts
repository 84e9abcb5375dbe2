import { describe, expect, it } from "vitest";
import type { Attachment } from "../api/types";
import { formatBytes, formatCount, formatFullTime, formatLastSeen, formatStorage, formatTime, preview, showsTime } from "./format";
import { msg } from "./testdata";

describe("formatLastSeen", () => {
  const now = new Date(2025, 1, 3, 15, 0, 0);
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  it("says how long ago, coarser as it gets older", () => {
    expect(formatLastSeen(ago(20_000), now)).toBe("last seen just now");
    expect(formatLastSeen(ago(60_000), now)).toBe("last seen 1 minute ago");
    expect(formatLastSeen(ago(45 * 60_000), now)).toBe("last seen 45 minutes ago");
    expect(formatLastSeen(ago(3 * 3600_000), now)).toMatch(/^last seen today at /);
    expect(formatLastSeen(ago(24 * 3600_000), now)).toMatch(/^last seen yesterday at /);
    expect(formatLastSeen(ago(5 * 24 * 3600_000), now)).toMatch(/^last seen on /);
    expect(formatLastSeen(undefined, now)).toBe("offline");
  });
});

describe("formatCount", () => {
  it("groups thousands", () => {
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(7)).toBe("7");
  });
});

describe("formatBytes", () => {
  it("reads like a file manager", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(812)).toBe("812 bytes");
    expect(formatBytes(1024)).toBe("1 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(48213)).toBe("47 KB");
    expect(formatBytes(3.2 * 1024 * 1024)).toBe("3.2 MB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MB");
  });
});

describe("formatStorage", () => {
  it("says used of quota in the same units as file sizes", () => {
    expect(formatStorage(0, 1024 ** 3)).toBe("Storage: 0 bytes of 1 GB");
    expect(formatStorage(12.3 * 1024 * 1024, 1024 ** 3)).toBe("Storage: 12 MB of 1 GB");
    expect(formatStorage(1.5 * 1024 ** 3, 2 * 1024 ** 3)).toBe("Storage: 1.5 GB of 2 GB");
  });
});

describe("preview of files", () => {
  const file = (name: string, image = false): Attachment => ({
    id: name,
    uploader_id: "bob",
    name,
    content_type: image ? "image/png" : "text/plain",
    size: 10,
    sha256: "",
    created_at: "",
    url: `/a/${name}`,
    ...(image ? { thumbnail_url: `/a/${name}/thumbnail`, width: 10, height: 10 } : {}),
  });
  const name = () => "Bob";
  it("names what a message of files alone carries; text wins when there is some", () => {
    expect(preview(msg(2, { text: "", attachments: [file("cat.png", true)] }), name, "alice")).toBe("📷 Photo");
    expect(preview(msg(2, { text: "", attachments: [file("notes.txt")] }), name, "alice")).toBe("📎 notes.txt");
    expect(preview(msg(2, { text: "", attachments: [file("a.png", true), file("b.png", true)] }), name, "alice")).toBe("📷 2 photos");
    expect(preview(msg(2, { text: "", attachments: [file("a.png", true), file("b.txt")], sender_id: "alice" }), name, "alice")).toBe("You: 📎 2 files");
    expect(preview(msg(2, { text: "look", attachments: [file("a.png", true)] }), name, "alice")).toBe("look");
  });
  it("marks a preview ready cut short", () => {
    expect(preview(msg(2, { text: "a long story", truncated: true }), name, "alice")).toBe("a long story…");
    expect(preview(msg(2, { text: "", attachments: [file("a.png", true)], truncated: true }), name, "alice")).toBe("📷 Photo…");
  });
});

describe("times", () => {
  const at = (h: number, m: number, s = 0) => new Date(2026, 11, 5, h, m, s).toISOString();
  it("writes a short time without a leading zero, in the reader's locale", () => {
    expect(formatTime(at(9, 5), "en-US")).toBe("9:05 AM");
    expect(formatTime(at(9, 5), "en-GB")).toBe("9:05");
    expect(formatTime(at(21, 5), "en-GB")).toBe("21:05");
    expect(formatFullTime(at(9, 5), "en-US")).toBe("Saturday, December 5, 2026 at 9:05 AM");
  });

  it("shows one time at the end of a run from one person in one minute", () => {
    const list = [
      msg(1, { created_at: at(9, 5, 1) }),
      msg(2, { created_at: at(9, 5, 30) }),
      msg(3, { created_at: at(9, 5, 59) }), // ends the 9:05 run
      msg(4, { created_at: at(9, 6, 0) }), // a new minute: its own run, ended by carol
      msg(5, { created_at: at(9, 6, 1), sender_id: "carol" }),
      msg(6, { created_at: at(9, 6, 2), sender_id: "carol" }), // a system line ends the run
      msg(7, { created_at: at(9, 6, 3), sender_id: undefined, kind: "system", system: { type: "member_left", actor: "dan", users: ["dan"] } }),
      msg(8, { created_at: at(9, 6, 4), sender_id: "carol" }), // the last message
    ];
    const shown = list.filter((m, i) => showsTime(m, list[i + 1])).map((m) => m.seq);
    expect(shown).toEqual([3, 4, 6, 8]);
  });

  it("tells the same minute apart on different days", () => {
    const a = msg(1, { created_at: new Date(2026, 11, 4, 9, 5).toISOString() });
    const b = msg(2, { created_at: new Date(2026, 11, 5, 9, 5).toISOString() });
    expect(showsTime(a, b)).toBe(true);
  });
});
