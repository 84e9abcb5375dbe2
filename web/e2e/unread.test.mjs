// Browser test of what counts as unread (docs/protocol.md "Unread"): system
// lines — a rename, someone invited, a pin — never light up another member's
// room list, live or after a reload; a message does.
// Run by `make test` (npm run test:browser); docs/decisions/0035-unread-without-system-lines.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { befriend, browserSkip, eventually, logIn, newPerson, roomItem, startWorld } from "./harness.mjs";

describe("Unread in the room list", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob, carol;

  before(async () => {
    ({ server, browser, close } = await startWorld());
    alice = await server.signup("alice", "Alice Kim");
    bob = await server.signup("bob", "Bob Lee");
    carol = await server.signup("carol", "Carol Park");
    await befriend(server, alice, carol);
  });

  after(() => close?.());

  const badges = (page, title) => roomItem(page, title).getByTestId("unread-badge");

  it("shows no unread badge for a rename, an invite or a pin, and 1 for a message", async () => {
    const room = (await server.api("POST", "/rooms", alice.token, { name: "Book club", members: ["bob"] })).id;
    const hello = await server.api("POST", `/rooms/${room}/messages`, alice.token, { client_id: "u-1", text: "First chapter tonight" });
    const { page } = await newPerson(browser, "bob");
    await logIn(page, server.base, "bob");
    await roomItem(page, "Book club").waitFor();
    // Bob reads the message elsewhere: nothing is unread to begin with.
    await server.api("POST", `/rooms/${room}/read`, bob.token, { seq: hello.seq });
    await eventually(async () => assert.equal(await badges(page, "Book club").count(), 0), 10_000, "bob's badge cleared");

    await server.api("PATCH", `/rooms/${room}`, alice.token, { name: "Reading club" });
    await roomItem(page, "renamed the room").waitFor();
    await server.api("POST", `/rooms/${room}/members`, alice.token, { members: ["carol"] });
    await roomItem(page, "invited Carol Park").waitFor();
    await server.api("POST", `/rooms/${room}/pins`, alice.token, { seq: hello.seq });
    await roomItem(page, "pinned a message").waitFor();
    assert.equal(await badges(page, "Reading club").count(), 0, "system lines lit up bob's room list");

    // The server agrees: a reload's ready frame has nothing unread either.
    await page.reload();
    await roomItem(page, "Reading club").waitFor();
    assert.equal(await badges(page, "Reading club").count(), 0, "after a reload, system lines counted as unread");

    await server.api("POST", `/rooms/${room}/messages`, alice.token, { client_id: "u-2", text: "Who has the book?" });
    await roomItem(page, "Who has the book?").waitFor();
    assert.equal(await badges(page, "Reading club").textContent(), "1");
    await page.reload();
    await roomItem(page, "Who has the book?").waitFor();
    assert.equal(await badges(page, "Reading club").textContent(), "1");
  });
});
