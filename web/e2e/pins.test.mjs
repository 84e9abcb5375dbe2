// Browser tests of pinned messages: an owner pins from a message's actions,
// a member sees the bar under the header live, clicks it and lands on the
// highlighted message (one far back is loaded around it), the full list in
// room settings, and unpinning from both places.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { browserSkip, eventually, logIn, message, newPerson, openMessageMenu, roomItem, seqsShown, startWorld } from "./harness.mjs";

describe("Pinned messages in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob, bobToken, room;
  const seq = {};

  const pinBar = (page) => page.getByTestId("pin-bar");

  /** Logs in and opens the team's room. */
  async function login(person, name) {
    const p = person.page;
    await logIn(p, server.base, name);
    await roomItem(p, "Team").click();
    await p.getByRole("log", { name: "Messages" }).waitFor();
  }

  before(async () => {
    ({ server, browser, close } = await startWorld());
    const aliceToken = (await server.signup("alice", "Alice Kim")).token;
    bobToken = (await server.signup("bob", "Bob Lee")).token;
    room = (await server.api("POST", "/rooms", bobToken, { name: "Team", members: ["alice"] })).id;
    // Enough history that an early message is not on the first page.
    for (let i = 1; i <= 120; i++) {
      const text = i === 3 ? "the launch checklist" : i === 118 ? "standup moved to 10:30" : `line ${i}`;
      const m = await server.api("POST", `/rooms/${room}/messages`, bobToken, { client_id: `seed-${i}`, text });
      if (i === 3) seq.old = m.seq;
      if (i === 118) seq.recent = m.seq;
    }
    // Alice has read it all: the room opens at its newest messages, not at her first unread.
    await server.api("POST", `/rooms/${room}/read`, aliceToken, { seq: seq.recent + 2 });
    bob = await newPerson(browser, "bob");
    alice = await newPerson(browser, "alice");
    await login(bob, "bob");
    await login(alice, "alice");
  });

  after(() => close?.());

  it("lets the owner pin from a message's actions, not a plain member", async () => {
    const b = bob.page;
    const m = message(b, "standup moved to 10:30");
    await (await openMessageMenu(b, m)).getByRole("menuitem", { name: "Pin", exact: true }).click();
    await eventually(async () => assert.match((await pinBar(b).textContent()) ?? "", /standup moved to 10:30/), 10_000, "bob's bar");
    // Alice is a plain member: she sees no pin action.
    const a = alice.page;
    const menu = await openMessageMenu(a, message(a, "standup moved to 10:30"));
    assert.deepEqual(await menu.getByRole("menuitem").allTextContents(), ["+", "Reply", "Copy"]);
    await a.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
  });

  it("shows the pin live to another member, with its system line, and a click lands on the highlighted message", async () => {
    const a = alice.page;
    await eventually(async () => assert.match((await pinBar(a).textContent()) ?? "", /Bob Lee.*standup moved to 10:30/), 10_000, "alice's bar");
    await a.locator(".message-list .system", { hasText: "Bob Lee pinned a message" }).waitFor();
    await pinBar(a).click();
    await a.locator(`.message-list .msg.focused[data-seq="${seq.recent}"]`).waitFor();
  });

  it("jumps to an old pinned message loaded around it, and lists every pin in settings", async () => {
    // Bob pins the old message over the API: Alice's bar follows live.
    await server.api("POST", `/rooms/${room}/pins`, bobToken, { seq: seq.old });
    const a = alice.page;
    await eventually(async () => assert.match((await pinBar(a).textContent()) ?? "", /the launch checklist/), 10_000, "the newest pin in the bar");
    assert.ok(!(await seqsShown(a)).includes(seq.old), "the old message is not loaded yet");
    await pinBar(a).click();
    const target = a.locator(`.message-list .msg.focused[data-seq="${seq.old}"]`);
    await target.waitFor();
    await eventually(async () => assert.ok(await target.isVisible()), 10_000, "the pinned message is in view");

    // The list in settings: newest pin first; a click opens the other one.
    await a.getByRole("button", { name: "All 2 pinned messages" }).click();
    const items = a.getByTestId("pin-item");
    await eventually(async () => assert.deepEqual(await items.evaluateAll((els) => els.map((e) => Number(e.dataset.seq))), [seq.old, seq.recent]), 10_000, "the list");
    assert.match((await items.nth(1).textContent()) ?? "", /Pinned by Bob Lee/);
    assert.equal(await a.getByRole("button", { name: /^Unpin/ }).count(), 0, "a member has no unpin buttons");
    await items.nth(1).getByRole("button").first().click();
    await a.locator(`.message-list .msg.focused[data-seq="${seq.recent}"]`).waitFor();
  });

  it("unpins from settings and from the message, and the bar follows for the other member", async () => {
    const b = bob.page;
    await b.getByRole("button", { name: "Room settings" }).click();
    await b.getByRole("button", { name: "Unpin: the launch checklist" }).click();
    await b.getByRole("button", { name: "Close" }).first().click();
    const a = alice.page;
    await eventually(async () => assert.match((await pinBar(a).textContent()) ?? "", /standup moved to 10:30/), 10_000, "the bar after the first unpin");

    const m = message(b, "standup moved to 10:30");
    await (await openMessageMenu(b, m)).getByRole("menuitem", { name: "Unpin", exact: true }).click();
    await eventually(async () => assert.equal(await pinBar(a).count(), 0), 10_000, "no bar once nothing is pinned");
    await a.locator(".message-list .system", { hasText: "Bob Lee unpinned a message" }).first().waitFor();
  });
});
