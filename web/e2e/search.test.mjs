// Browser tests of message search: Korean and English text found across
// rooms with the matches marked, a hit opened in context (the message
// shown and highlighted, older and newer history loading from there, live
// delivery rejoined at the end without gaps or duplicates), and the search
// narrowed to the open room.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { assertContiguous, browserSkip, eventually, logIn, newPerson, screenshotDir, seqsShown, shot, startWorld } from "./harness.mjs";

describe("Message search in the browser", { skip: browserSkip() }, () => {
  let tmp, server, browser, close, alice, aliceAccount, bob, planning, lunch, shotDir;
  /** Seqs of the seeded messages the tests look for. */
  const seq = {};
  let lastSeq = 0;

  const searchBox = (page) => page.getByLabel("Search conversations and messages");
  const results = (page) => page.getByRole("region", { name: "Messages found" });
  const hitsIn = (page, room) => results(page).getByRole("group", { name: room }).getByTestId("search-hit");

  async function post(room, text, n) {
    const m = await server.api("POST", `/rooms/${room}/messages`, bob.token, { client_id: `seed-${room}-${n}`, text });
    return m.seq;
  }

  before(async () => {
    ({ tmp, server, browser, close } = await startWorld());
    shotDir = screenshotDir(join(tmp.dir, "screenshots"));
    aliceAccount = await server.signup("alice", "Alice Kim");
    bob = await server.signup("bob", "Bob Lee");
    planning = (await server.api("POST", "/rooms", bob.token, { name: "Planning", members: ["alice"] })).id;
    lunch = (await server.api("POST", "/rooms", bob.token, { name: "Lunch", members: ["alice"] })).id;
    // A long history, so a hit far back is not on the first page.
    for (let i = 1; i <= 150; i++) {
      let text = `filler line ${i}`;
      if (i === 30) text = "내일 회의록 공유할게요";
      if (i === 31) text = "The quarterly REPORT is ready 🎉";
      const s = await post(planning, text, i);
      if (i === 30) seq.korean = s;
      if (i === 31) seq.report = s;
      lastSeq = s;
    }
    await post(lunch, "Report the lunch order by noon", 1);

    alice = await newPerson(browser, "alice");
    await logIn(alice.page, server.base, "alice");
  });

  after(() => close?.());

  it("finds Korean text and marks the match", async () => {
    const p = alice.page;
    await searchBox(p).fill("회의록");
    const hit = hitsIn(p, "Planning");
    await hit.first().waitFor();
    assert.equal(await hit.count(), 1);
    assert.equal(await hit.locator("mark").textContent(), "회의록");
    assert.equal(await hit.locator(".hit-snippet").textContent(), "내일 회의록 공유할게요");
  });

  it("finds English text case-insensitively in every room, grouped by room", async () => {
    const p = alice.page;
    await searchBox(p).fill("report");
    await hitsIn(p, "Lunch").first().waitFor();
    await hitsIn(p, "Planning").first().waitFor();
    assert.equal(await hitsIn(p, "Planning").locator("mark").textContent(), "REPORT");
    assert.equal(await hitsIn(p, "Lunch").locator("mark").textContent(), "Report");
    // Senders are named, though Alice has opened neither room yet.
    await hitsIn(p, "Lunch").locator(".hit-meta", { hasText: "Bob Lee" }).waitFor();
    await shot(p, shotDir, "search");

    await searchBox(p).fill("no such words anywhere");
    await results(p).getByText("No messages contain “no such words anywhere”.").waitFor();
  });

  it("opens a hit in context: shown and highlighted, older and newer history loads, then live again", async () => {
    const p = alice.page;
    await searchBox(p).fill("quarterly");
    await hitsIn(p, "Planning").first().click();
    const target = p.locator(`.message-list .msg.focused[data-seq="${seq.report}"]`);
    await target.waitFor();
    await eventually(async () => assert.ok(await target.isVisible()), 10_000, "the hit is in view");
    let seqs = await seqsShown(p);
    assert.ok(!seqs.includes(lastSeq), "the newest message is not loaded yet");
    await p.getByRole("button", { name: "Jump to latest" }).waitFor();
    await shot(p, shotDir, "search-jump");

    // Up: back to the start of the room.
    await eventually(
      async () => {
        await p.locator(".messages").evaluate((el) => (el.scrollTop = 0));
        assert.equal((await seqsShown(p))[0], 1);
      },
      20_000,
      "older history loads up to the first message",
    );
    // Down: to the newest message; live delivery resumes from there.
    await eventually(
      async () => {
        await p.locator(".messages").evaluate((el) => (el.scrollTop = el.scrollHeight));
        assert.ok((await seqsShown(p)).includes(lastSeq));
        assert.equal(await p.getByRole("button", { name: "Jump to latest" }).count(), 0);
      },
      20_000,
      "newer history loads up to the newest message",
    );
    const live = await post(planning, "live after the jump", 151);
    await p.locator(`.message-list [data-seq="${live}"]`).waitFor();
    seqs = await seqsShown(p);
    assertContiguous(seqs, "after scrolling both ways and a live message");
    assert.equal(seqs.at(-1), live);
  });

  it("narrows the search to the open room", async () => {
    const p = alice.page;
    await searchBox(p).fill("report");
    await hitsIn(p, "Lunch").first().waitFor();
    await results(p).getByLabel("Only in Planning").check();
    // The narrowed results replace the old ones in one step only once they arrive, so wait
    // for both sides of the answer together.
    await eventually(
      async () => {
        assert.equal(await hitsIn(p, "Lunch").count(), 0);
        assert.equal(await hitsIn(p, "Planning").count(), 1);
      },
      10_000,
      "only Planning's hit is left",
    );
  });

  it("searches within the open chat from its header and jumps to the hit", async () => {
    const p = alice.page;
    await p.getByRole("button", { name: "Search in this chat" }).click();
    await p.getByLabel("Search messages in this chat").fill("회의록");
    const hit = p.locator(".room-search").getByTestId("search-hit");
    await hit.first().waitFor();
    assert.equal(await hit.count(), 1);
    await shot(p, shotDir, "search-chat");
    await hit.click();
    const target = p.locator(`.message-list .msg.focused[data-seq="${seq.korean}"]`);
    await target.waitFor();
    await eventually(async () => assert.ok(await target.isVisible()), 10_000, "the hit is in view");
  });

  it("narrows by sender and days, says so when nothing is left, and widens again", async () => {
    const p = alice.page;
    await server.api("POST", `/rooms/${lunch}/messages`, aliceAccount.token, { client_id: "alice-report", text: "My report is late, sorry" });
    // Only the sidebar's results from here: the chat's own search closes.
    await p.locator(".room-search").getByRole("button", { name: "Close" }).click();
    await searchBox(p).fill("");
    await eventually(async () => assert.equal(await results(p).count(), 0), 10_000, "no search open");
    await searchBox(p).fill("report");
    await eventually(async () => assert.equal(await hitsIn(p, "Lunch").count(), 2), 10_000, "both Lunch reports found");

    await results(p).getByText("Filters", { exact: true }).click();
    await results(p).getByLabel("Sender").selectOption({ label: "Bob Lee" });
    await eventually(async () => assert.equal(await hitsIn(p, "Lunch").count(), 1), 10_000, "Alice's report goes");
    assert.equal(await hitsIn(p, "Lunch").locator(".hit-snippet").textContent(), "Report the lunch order by noon");
    assert.equal(await hitsIn(p, "Planning").count(), 1);
    await results(p).getByText("Filters (1)").waitFor();

    await results(p).getByLabel("Sender").selectOption({ label: "Me" });
    await eventually(
      async () => assert.equal(await hitsIn(p, "Lunch").locator(".hit-snippet").textContent(), "My report is late, sorry"),
      10_000,
      "only Alice's own report",
    );
    assert.equal(await hitsIn(p, "Planning").count(), 0);
    await shot(p, shotDir, "search-filters");

    await results(p).getByLabel("Since").fill("2099-01-01");
    await results(p).getByText("No messages contain “report” with these filters.").waitFor();
    await results(p).getByText("Filters (2)").waitFor();

    await results(p).getByRole("button", { name: "Clear filters" }).click();
    await eventually(async () => assert.equal(await hitsIn(p, "Lunch").count(), 2), 10_000, "every report again");
    assert.equal(await hitsIn(p, "Planning").count(), 1);
  });
});
