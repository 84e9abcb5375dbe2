// Browser tests of consent (docs/decisions/0020-consent.md), on a server with
// the real default — only friends add directly: a stranger's 1:1 arrives as
// a message request with a preview, is accepted live and becomes a chat;
// a public room is found in the directory and joined; an invite link is made
// in room settings and used from a second browser that was not logged in;
// "who may add me" in the profile; a blocked person's 1:1 says "can't send".
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { browserSkip, eventually, logIn, message, newPerson, roomItem, send, startWorld } from "./harness.mjs";

describe("Consent in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob;
  const invitation = (page, from) => page.getByRole("list", { name: "Invitations" }).locator(`.invite[data-from="${from}"]`);

  before(async () => {
    ({ server, browser, close } = await startWorld({ serverArgs: ["--default-who-may-add", "friends"] }));
    await server.signup("alice", "Alice Kim");
    await server.signup("bob", "Bob Lee");
    await server.signup("carol", "Carol Park");
    alice = await newPerson(browser, "alice");
    bob = await newPerson(browser, "bob");
    for (const [p, name] of [
      [alice, "alice"],
      [bob, "bob"],
    ]) {
      await logIn(p.page, server.base, name);
    }
  });

  after(() => close?.());

  it("a stranger's 1:1 waits as a request with a preview; accepted live, it becomes the chat", async () => {
    const a = alice.page;
    const b = bob.page;
    await a.getByRole("button", { name: "New chat" }).click();
    await a.getByLabel("Username of the person").fill("bob");
    await a.getByRole("button", { name: "Open chat" }).click();
    await a.getByRole("heading", { name: "Bob Lee" }).waitFor();
    await send(a, "Hi Bob, it's Alice from the climbing gym");
    await message(a, "climbing gym").waitFor();

    // Bob: the request arrives live, with the message as its preview, and no room yet.
    const req = invitation(b, "alice");
    await req.getByText("Alice Kim wants to chat").waitFor();
    await req.getByTestId("invite-preview").filter({ hasText: "climbing gym" }).waitFor();
    await b.getByTestId("invites-badge").filter({ hasText: "1" }).waitFor();
    assert.equal(await roomItem(b, "Alice Kim").count(), 0);

    await req.getByRole("button", { name: /^Accept/ }).click();
    await b.getByRole("heading", { name: "Alice Kim" }).waitFor();
    await message(b, "climbing gym").waitFor();
    assert.equal(await b.getByRole("list", { name: "Invitations" }).count(), 0);
    await send(b, "Oh hi! Bouldering on Thursday?");
    await message(a, "Bouldering on Thursday?").waitFor();
  });

  it("declining a group invitation is silent", async () => {
    const carol = await server.api("POST", "/auth/login", null, { username: "carol", password: "password-carol" });
    await server.api("POST", "/rooms", carol.token, { name: "Carol's party", members: ["bob"] });
    const inv = invitation(bob.page, "carol");
    await inv.getByText("Carol Park invited you to “Carol's party” (1 member)").waitFor();
    await inv.getByRole("button", { name: /^Decline/ }).click();
    await eventually(async () => assert.equal(await invitation(bob.page, "carol").count(), 0), 10_000, "the invitation is gone");
    const left = await server.api("GET", "/invites", (await server.api("POST", "/auth/login", null, { username: "bob", password: "password-bob" })).token);
    assert.equal(left.invites.length, 0);
  });

  it("finds a public room in the directory and joins it", async () => {
    const a = alice.page;
    const b = bob.page;
    await a.getByRole("button", { name: "New chat" }).click();
    await a.getByRole("tab", { name: "Group" }).click();
    await a.getByLabel("Group name").fill("Climbing club");
    await a.getByLabel(/^Public room/).check();
    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { name: "Climbing club" }).waitFor();

    await b.getByRole("button", { name: "New chat" }).click();
    await b.getByRole("tab", { name: "Public rooms" }).click();
    await b.getByLabel("Search public rooms").fill("climb");
    const hit = b.getByRole("list", { name: "Public rooms" }).locator(".directory-room", { hasText: "Climbing club" });
    await hit.waitFor();
    await hit.getByRole("button", { name: "Join Climbing club" }).click();
    await b.getByRole("heading", { name: "Climbing club" }).waitFor();
    await b.getByTestId("system-message").filter({ hasText: "Bob Lee joined" }).waitFor();
    await a.getByTestId("system-message").filter({ hasText: "Bob Lee joined" }).waitFor();
    await send(b, "Hello club!");
    await message(a, "Hello club!").waitFor();
  });

  it("makes an invite link in room settings; a second browser, logged out, joins with it after logging in", async () => {
    const a = alice.page;
    await roomItem(a, "Climbing club").click();
    await a.getByRole("button", { name: "Room settings" }).click();
    await a.getByLabel("Uses").fill("5");
    await a.getByLabel("Expires").selectOption({ label: "7 days" });
    await a.getByRole("button", { name: "Create link" }).click();
    const link = a.getByRole("list", { name: "Invite links" }).locator(".invite-link").first();
    await link.getByTestId("link-state").filter({ hasText: "0 of 5 uses" }).waitFor();
    const url = await link.getByLabel("Link").inputValue();
    assert.match(url, /\/join\/[A-Za-z0-9_-]{22}$/);

    const dave = await newPerson(browser, "dave");
    await server.signup("dave", "Dave Moon");
    const d = dave.page;
    await d.goto(url);
    await d.getByText("Log in or sign up to join the room of your invite link.").waitFor();
    await logIn(d, null, "dave");
    const dialog = d.getByRole("dialog", { name: "Invite link" });
    await dialog.getByTestId("link-room").filter({ hasText: "Climbing club" }).waitFor();
    await dialog.getByText("2 members").waitFor();
    await dialog.getByRole("button", { name: "Join the room" }).click();
    await d.getByRole("heading", { name: "Climbing club" }).waitFor();
    await message(d, "Hello club!").waitFor();
    await a.getByRole("button", { name: "Close" }).click();
    await a.getByTestId("system-message").filter({ hasText: "Dave Moon joined" }).waitFor();

    // Revoked, the link leads nowhere.
    await a.getByRole("button", { name: "Room settings" }).click();
    await a.getByRole("list", { name: "Invite links" }).locator(".invite-link").first().getByRole("button", { name: "Revoke" }).click();
    await eventually(async () => assert.equal(await a.getByRole("list", { name: "Invite links" }).count(), 0), 10_000, "revoked");
    await a.getByRole("button", { name: "Close" }).click();
    await d.goto(url);
    await d.getByRole("dialog", { name: "Invite link" }).getByText("This invite link does not exist or is no longer valid.").waitFor();
    await dave.context.close();
  });

  it("sets who may add me in the profile, synced to my other devices", async () => {
    const b = bob.page;
    const phone = await newPerson(browser, "bob-phone", { width: 390, height: 800 });
    await logIn(phone.page, server.base, "bob");
    await phone.page.getByRole("button", { name: /Your profile/ }).click();
    await phone.page.getByLabel("Friends only").waitFor({ state: "attached" });
    assert.equal(await phone.page.getByLabel("Friends only").isChecked(), true);

    await b.getByRole("button", { name: /Your profile/ }).click();
    await b.getByLabel("Anyone", { exact: true }).check();
    await eventually(async () => assert.equal(await phone.page.getByLabel("Anyone", { exact: true }).isChecked(), true), 10_000, "synced");
    await b.getByRole("button", { name: "Back to conversations" }).click();
    const me = await server.api("GET", "/me", (await server.api("POST", "/auth/login", null, { username: "bob", password: "password-bob" })).token);
    assert.equal(me.who_may_add, "anyone");
    await phone.context.close();
  });

  it("shows a blocked person's 1:1 as can't send, with no Retry", async () => {
    const b = bob.page;
    // Alice blocks Bob; their 1:1 stays, but Bob's messages cannot reach her.
    const aliceToken = (await server.api("POST", "/auth/login", null, { username: "alice", password: "password-alice" })).token;
    await server.api("POST", "/blocks", aliceToken, { username: "bob" });
    await roomItem(b, "Alice Kim").click();
    await send(b, "Are you there?");
    const pending = b.getByTestId("pending").filter({ hasText: "Are you there?" });
    await pending.getByText("Can’t send to this chat").waitFor();
    assert.equal(await pending.getByRole("button", { name: "Retry" }).count(), 0);
    await pending.getByRole("button", { name: "Discard" }).waitFor();
    await b.getByTestId("cant-send").waitFor();
  });
});
