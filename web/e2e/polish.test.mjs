// Browser tests of small things people notice (issue 16, round 4): counts
// that read right and stay true, errors in plain words, the offline banner.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { browserSkip, logIn, newPerson, roomItem, startWorld, watchPage } from "./harness.mjs";

describe("Polish in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, accounts;

  before(async () => {
    ({ server, browser, close } = await startWorld());
    accounts = await server.signups([["alice", "Alice Kim"], ["bob", "Bob Lee"], ["carol", "Carol Park"]]);
    alice = await newPerson(browser, "alice");
    watchPage(alice.page, "alice");
    await logIn(alice.page, server.base, "alice");
  });

  after(() => close?.());

  it("counts members in the right number as people leave, and lists the owner first", async () => {
    const a = alice.page;
    const { bob, carol } = accounts;
    const room = await server.api("POST", "/rooms", carol.token, { name: "Crew", members: ["alice", "bob"] });
    await server.api("PUT", `/rooms/${room.id}/members/${bob.user.id}/role`, carol.token, { role: "admin" });
    await roomItem(a, "Crew").click();
    await a.getByTestId("room-online").filter({ hasText: /^3 members/ }).waitFor();
    // Carol leaves: Bob, the admin, becomes owner though Alice joined before him.
    await server.api("POST", `/rooms/${room.id}/leave`, carol.token);
    await a.getByTestId("room-online").filter({ hasText: /^2 members/ }).waitFor();
    await a.getByRole("button", { name: "Room settings" }).click();
    await a.getByRole("heading", { name: "Members (2)" }).waitFor();
    const first = a.locator(".member-list .member").first();
    await a.locator('.member[data-user="bob"]', { hasText: "Owner" }).waitFor();
    assert.equal(await first.getAttribute("data-user"), "bob");
    await a.getByRole("button", { name: "Close" }).click();
    await server.api("POST", `/rooms/${room.id}/leave`, bob.token);
    await a.getByTestId("room-online").filter({ hasText: /^1 member\b/ }).waitFor();
  });

  it("shows a file icon, not a broken image, for a .png that is not an image", async () => {
    const a = alice.page;
    const [chooser] = await Promise.all([a.waitForEvent("filechooser"), a.getByRole("button", { name: "Attach files" }).click()]);
    await chooser.setFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("these are notes, not pixels") });
    const chip = a.getByTestId("pending-file").filter({ hasText: "notes.png" });
    await chip.locator("svg").waitFor();
    assert.equal(await chip.locator("img").count(), 0);
    await chip.getByRole("button", { name: "Remove notes.png" }).click();
  });

  it("searches people apart from adding by exact username: a partial name is never 'no one'", async () => {
    const a = alice.page;
    await a.getByRole("tab", { name: /Friends/ }).click();
    const find = a.getByLabel("Find people");
    await find.fill("car");
    await find.press("Enter");
    await a.getByRole("list", { name: "Search results" }).locator('.person[data-user="carol"]').waitFor();
    assert.equal(await a.getByText(/There is no one/).count(), 0);
    const add = a.getByLabel("Add by exact username");
    await add.fill("carl");
    await add.press("Enter");
    await a.getByRole("alert").filter({ hasText: "There is no one with the username “carl”." }).waitFor();
    await add.fill("carol");
    await a.getByRole("button", { name: "Send request" }).click();
    await a.getByRole("status").filter({ hasText: "Friend request sent to @carol." }).waitFor();
    await a.getByRole("tab", { name: /Chats/ }).click();
  });

  it("lays the offline banner over the page, in separate sentences, without moving anything", async () => {
    const a = alice.page;
    const head = a.locator(".sidebar-head");
    const before = await head.boundingBox();
    await server.stop();
    try {
      const banner = a.locator(".conn-banner.offline");
      await banner.filter({ hasText: /^Offline\. Reconnecting(…| in \d+ s\.) Messages you send now go out when the connection is back\./ }).waitFor();
      assert.deepEqual(await head.boundingBox(), before);
    } finally {
      await server.start();
    }
    await a.locator(".conn-banner.shown").waitFor({ state: "hidden", timeout: 30_000 });
  });
});
