// Browser tests of groups picked from friends and of the settings page:
// a group made by searching and ticking friends, an invite picked the same
// way, member counts that drop live when someone leaves, one picture per
// group everywhere, a password change and ended sessions logging other
// browsers out, and the settings page at phone width (decision 0038).
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { befriend, browserSkip, eventually, logIn, newPerson, roomItem, startWorld } from "./harness.mjs";

describe("Groups from friends, and the settings page", { skip: browserSkip() }, () => {
  let server, browser, close, alice, carol, people;

  /** What a room's picture shows: "collage:B,D" or "initial:P", the same string wherever it is drawn. */
  const picture = (avatar) =>
    avatar.evaluate((el) => {
      const collage = el.querySelector('[data-testid="avatar-collage"]');
      const letters = [...el.querySelectorAll('[data-testid="avatar-initial"]')].map((x) => x.textContent || `glyph:${x.querySelector("svg")?.dataset.glyph}`);
      return `${collage ? "collage" : "initial"}:${letters.join(",")}`;
    });
  const headerPicture = (page) => picture(page.locator(".chat-head").getByTestId("room-avatar"));
  const listPicture = (page, title) => picture(roomItem(page, title).getByTestId("room-avatar"));
  const openSettings = (page) => page.getByRole("button", { name: /^Your profile and settings/ }).click();

  before(async () => {
    ({ server, browser, close } = await startWorld({ serverArgs: ["--default-who-may-add", "friends"] }));
    people = await server.signups([
      ["alice", "Alice Kim"],
      ["bob", "Bob Lee"],
      ["carol", "Carol Park"],
      ["dave", "Dave Moon"],
      ["erin", "Erin Oh"],
    ]);
    for (const u of ["bob", "carol", "dave"]) await befriend(server, people.alice, people[u]);
    alice = await newPerson(browser, "alice", { width: 1440, height: 900 });
    await logIn(alice.page, server.base, "alice");
  });

  after(() => close?.());

  it("creates a group by searching friends and ticking two of them", async () => {
    const a = alice.page;
    await a.getByRole("button", { name: "New chat" }).click();
    await a.getByRole("tab", { name: "Group" }).click();
    await a.getByLabel("Group name").fill("Hike");
    const friends = a.getByRole("list", { name: "Friends" });
    await friends.getByRole("checkbox").nth(2).waitFor();
    assert.equal(await friends.getByRole("checkbox").count(), 3);

    // Filtered by display name as I type; Enter in the search box does not create the group.
    const search = a.getByLabel("Search your friends");
    await search.fill("bo");
    await search.press("Enter");
    await eventually(async () => assert.equal(await friends.getByRole("checkbox").count(), 1), 10_000, "only bob listed");
    await friends.getByRole("checkbox", { name: /Bob Lee/ }).check();
    // …and by username.
    await search.fill("@car");
    await friends.getByRole("checkbox", { name: /Carol Park/ }).check();
    await search.fill("dave");
    await friends.getByRole("checkbox", { name: /Dave Moon/ }).check();
    const chips = a.getByRole("list", { name: "Chosen people" });
    await eventually(async () => assert.deepEqual(await chips.locator(".chip-name").allTextContents(), ["Bob Lee", "Carol Park", "Dave Moon"]), 10_000, "three chips");
    // A chip removes its person.
    await chips.getByRole("button", { name: "Remove Dave Moon" }).click();
    assert.equal(await friends.getByRole("checkbox", { name: /Dave Moon/ }).isChecked(), false);
    assert.equal(await chips.locator(".chip").count(), 2);

    await a.getByRole("button", { name: "Create group" }).click();
    await a.getByRole("heading", { name: "Hike" }).waitFor();
    await a.getByTestId("system-message").filter({ hasText: "Alice Kim created “Hike” with Bob Lee and Carol Park" }).waitFor();
    await a.getByTestId("chat-subtitle").filter({ hasText: "3 members" }).waitFor();
  });

  it("invites a friend from the room settings by search; members are not offered", async () => {
    const a = alice.page;
    await a.getByRole("button", { name: "Room settings" }).click();
    const dialog = a.getByRole("dialog", { name: "Room settings" });
    const friends = dialog.getByRole("list", { name: "Friends" });
    await friends.getByRole("checkbox", { name: /Dave Moon/ }).waitFor();
    assert.equal(await friends.getByRole("checkbox").count(), 1, "bob and carol are members already");
    await dialog.getByLabel("Search your friends").fill("moon");
    await friends.getByRole("checkbox", { name: /Dave Moon/ }).check();
    await dialog.getByRole("button", { name: "Invite", exact: true }).click();
    await dialog.locator('.member[data-user="dave"]').waitFor();
    await dialog.getByRole("heading", { name: "Members (4)" }).waitFor();
    await a.getByTestId("chat-subtitle").filter({ hasText: "4 members" }).waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("counts drop live in the header, the room list and the settings when a member leaves", async () => {
    const a = alice.page;
    carol = await newPerson(browser, "carol");
    await logIn(carol.page, server.base, "carol");
    await roomItem(carol.page, "Hike").click();
    await carol.page.getByRole("heading", { name: "Hike" }).waitFor();

    await a.getByRole("button", { name: "Room settings" }).click();
    const dialog = a.getByRole("dialog", { name: "Room settings" });
    await dialog.getByRole("heading", { name: "Members (4)" }).waitFor();
    assert.equal(await roomItem(a, "Hike").locator(".room-count").textContent(), "4");

    await carol.page.getByRole("button", { name: "Room settings" }).click();
    await carol.page.getByRole("button", { name: "Leave room" }).click();
    await carol.page.getByRole("heading", { name: "Hike" }).waitFor({ state: "detached" });

    await dialog.getByRole("heading", { name: "Members (3)" }).waitFor();
    await dialog.getByTestId("settings-count").filter({ hasText: "3 members" }).waitFor();
    assert.equal(await dialog.locator('.member[data-user="carol"]').count(), 0);
    await a.getByTestId("chat-subtitle").filter({ hasText: "3 members" }).waitFor();
    await eventually(async () => assert.equal(await roomItem(a, "Hike").locator(".room-count").textContent(), "3"), 10_000, "list count");
    await dialog.getByRole("button", { name: "Close" }).click();
    await carol.context.close();
  });

  it("draws a group's picture by one rule, the same in the list, the header and the settings", async () => {
    const a = alice.page;
    // Hike: bob and dave besides me — a collage of their initials.
    await eventually(async () => assert.equal(await headerPicture(a), "collage:B,D"), 10_000, "header collage");
    assert.equal(await listPicture(a, "Hike"), "collage:B,D");
    await a.getByRole("button", { name: "Room settings" }).click();
    assert.equal(await picture(a.getByRole("dialog", { name: "Room settings" }).getByTestId("room-avatar")), "collage:B,D");
    await a.getByRole("button", { name: "Close" }).click();

    // A group with one other person shows its name's initial: a letter, never the emoji in front.
    await server.api("POST", "/rooms", people.alice.token, { name: "🎉 Party", members: ["bob"] });
    await roomItem(a, "Party").waitFor();
    assert.equal(await listPicture(a, "Party"), "initial:P");
    await roomItem(a, "Party").click();
    await a.getByRole("heading", { name: "🎉 Party" }).waitFor();
    assert.equal(await headerPicture(a), "initial:P");
    // And a name with no letter at all gets the group glyph, in both places.
    await server.api("POST", "/rooms", people.alice.token, { name: "🎉🎉", members: ["bob"] });
    await roomItem(a, "🎉🎉").waitFor();
    assert.equal(await listPicture(a, "🎉🎉"), "initial:glyph:group");
  });

  it("a removal drops the counts too, and the picture follows the members", async () => {
    const a = alice.page;
    await roomItem(a, "Hike").click();
    await a.getByRole("heading", { name: "Hike" }).waitFor();
    await a.getByRole("button", { name: "Room settings" }).click();
    const dialog = a.getByRole("dialog", { name: "Room settings" });
    await dialog.getByRole("button", { name: "Remove Dave Moon" }).click();
    await dialog.getByRole("heading", { name: "Members (2)" }).waitFor();
    await dialog.getByTestId("settings-count").filter({ hasText: "2 members" }).waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await a.getByTestId("chat-subtitle").filter({ hasText: "2 members" }).waitFor();
    await eventually(async () => assert.equal(await roomItem(a, "Hike").locator(".room-count").textContent(), "2"), 10_000, "list count");
    // Only bob besides me now: the name's letter, in both places.
    await eventually(async () => assert.equal(await headerPicture(a), "initial:H"), 10_000, "header picture");
    assert.equal(await listPicture(a, "Hike"), "initial:H");
  });

  it("lists sessions, and ending another one logs that browser out", async () => {
    const a = alice.page;
    const other = await newPerson(browser, "alice-other");
    await logIn(other.page, server.base, "alice");
    await openSettings(a);
    await a.getByRole("heading", { name: "Settings" }).waitFor();
    const list = a.getByRole("list", { name: "Sessions" });
    // This browser, the other one, and the test's own REST login (not a browser).
    await eventually(async () => assert.equal(await list.locator(".session").count(), 3), 10_000, "three sessions");
    await list.locator(".session[data-current]").getByText("This device").waitFor();
    await list.locator(".session:not([data-current])", { hasText: "Chrome" }).getByRole("button", { name: /^End session/ }).click();
    await other.page.getByRole("button", { name: "Log in" }).waitFor({ timeout: 20_000 });
    await eventually(async () => assert.equal(await list.locator(".session").count(), 2), 10_000, "the other browser's gone");
    await other.context.close();
  });

  it("changes the password: other devices are logged out, the new one logs in, this device stays", async () => {
    const a = alice.page;
    const phone = await newPerson(browser, "alice-phone", { width: 390, height: 844 });
    await logIn(phone.page, server.base, "alice");
    await a.getByRole("button", { name: "End all other sessions" }).waitFor();
    await a.getByLabel("Current password").fill("wrong password");
    await a.getByLabel("New password", { exact: false }).first().fill("a much better secret");
    await a.getByLabel("New password again").fill("a much better secret");
    await a.getByRole("button", { name: "Change password" }).click();
    await a.getByRole("alert").filter({ hasText: "The current password is not right." }).waitFor();

    await a.getByLabel("Current password").fill("password-alice");
    await a.getByRole("button", { name: "Change password" }).click();
    await a.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    await phone.page.getByRole("button", { name: "Log in" }).waitFor({ timeout: 20_000 });
    // This device goes on.
    await a.getByRole("navigation", { name: "Conversations" }).waitFor();
    await roomItem(a, "Hike").click();
    await a.getByRole("heading", { name: "Hike" }).waitFor();

    await logIn(phone.page, server.base, "alice", "a much better secret");
    await phone.context.close();
  });

  it("is usable at 390×844: a full screen with Back, sections in order, nothing wider than the phone, Log out at the bottom", async () => {
    const phone = await newPerson(browser, "alice-phone2", { width: 390, height: 844 });
    const p = phone.page;
    await logIn(p, server.base, "alice", "a much better secret");
    await openSettings(p);
    await p.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    assert.equal(await p.getByRole("navigation", { name: "Conversations" }).isVisible(), false, "full screen");
    const sections = await p.locator(".settings-body h2").allTextContents();
    assert.deepEqual(sections, ["Profile", "Password", "Sessions", "Notifications", "Theme"]);
    const widths = await p.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.querySelector(".settings-body").scrollWidth }));
    assert.ok(widths.page <= 390 && widths.body <= 390, `wider than the phone: ${JSON.stringify(widths)}`);

    // Every section works from here: the profile saves.
    await p.getByLabel(/^Status message/).fill("on the trail");
    await p.getByRole("button", { name: "Save profile" }).click();
    await p.getByTestId("my-status").filter({ hasText: "on the trail" }).waitFor({ state: "attached" });

    await p.getByRole("button", { name: "Back to conversations" }).click();
    await p.getByRole("navigation", { name: "Conversations" }).waitFor();
    assert.equal(new URL(p.url()).pathname, "/");
    // Reached again with the browser's history, then Log out at the bottom.
    await p.goBack();
    await p.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    await p.getByRole("button", { name: "Log out" }).last().click();
    await p.getByRole("button", { name: "Log in" }).waitFor();
    await phone.context.close();
  });
});
