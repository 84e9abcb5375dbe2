// Browser tests of look and access (issue 16, round 4): axe-core finds no
// serious or critical problem on the main screens in light and dark, and
// everything can be done from the keyboard. Decision 0039.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { accessProblems, browserSkip, eventually, logIn, message, newPerson, roomItem, startWorld, useTheme } from "./harness.mjs";

describe("Look and access in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, accounts, group;

  before(async () => {
    ({ server, browser, close } = await startWorld());
    accounts = await server.signups([["alice", "Alice Kim"], ["bob", "Bob Lee"], ["carol", "Carol Park"]]);
    const { alice, bob, carol } = accounts;
    group = await server.api("POST", "/rooms", alice.token, { name: "Weekend hike", members: ["bob", "carol"] });
    await server.api("PATCH", `/rooms/${group.id}`, alice.token, { announcement: "Meet at the north gate, 8:00" });
    const dm = await server.api("POST", "/rooms/direct", bob.token, { username: "alice" });
    let n = 0;
    for (const [who, room, text] of [
      [bob, group.id, "Who is bringing the map?"],
      [alice, group.id, "I will, and snacks"],
      [carol, group.id, "See https://example.com/trail for the route @alice"],
      [bob, dm.id, "Are you coming on Saturday?"],
    ]) {
      await server.api("POST", `/rooms/${room}/messages`, who.token, { client_id: `seed-${n++}`, text });
    }
  });

  after(() => close?.());

  async function assertAccessible(page, where) {
    const problems = await accessProblems(page);
    assert.deepEqual(problems, [], `${where}:\n${problems.join("\n")}`);
  }

  for (const theme of ["light", "dark"]) {
    it(`has no serious accessibility problem in the ${theme} theme`, async () => {
      const { context, page } = await newPerson(browser, `alice-${theme}`, { width: 1440, height: 900 });
      try {
        await useTheme(page, theme);
        await page.goto(server.base);
        await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
        await assertAccessible(page, `${theme}: log in`);

        await logIn(page, null, "alice");
        await roomItem(page, "Weekend hike").click();
        await message(page, "See https://example.com/trail").waitFor();
        await assertAccessible(page, `${theme}: room list and a group chat`);

        await page.getByRole("button", { name: "Room settings" }).click();
        await page.getByRole("dialog").waitFor();
        await assertAccessible(page, `${theme}: room settings dialog`);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: /^Your profile and settings/ }).click();
        await page.getByRole("heading", { name: "Settings" }).waitFor();
        await page.getByRole("group", { name: "Theme" }).waitFor();
        await assertAccessible(page, `${theme}: settings`);
        await page.getByRole("button", { name: "Back to conversations" }).click();

        await page.keyboard.press("Control+k");
        await page.getByRole("combobox", { name: "Chat name" }).waitFor();
        await assertAccessible(page, `${theme}: quick switcher`);
      } finally {
        await context.close();
      }
    });
  }

  it("switches theme from the settings over the system's, keeps it across a reload, and follows the system again on System", async () => {
    const { context, page } = await newPerson(browser, "alice-theme", { width: 390, height: 844 });
    const shown = () => page.evaluate(() => document.documentElement.dataset.theme);
    try {
      await useTheme(page, "light");
      await logIn(page, server.base, "alice");
      await page.getByRole("button", { name: /^Your profile and settings/ }).click();
      const theme = page.getByRole("group", { name: "Theme" });
      await theme.getByRole("radio", { name: "Dark", exact: true }).check();
      await eventually(async () => assert.equal(await shown(), "dark"), 5000, "dark chosen");
      await page.reload();
      await page.getByRole("heading", { name: "Settings" }).waitFor();
      assert.equal(await shown(), "dark");
      // The system going dark and light again changes nothing while Dark is chosen.
      await page.emulateMedia({ colorScheme: "dark" });
      await page.emulateMedia({ colorScheme: "light" });
      assert.equal(await shown(), "dark");
      await theme.getByRole("radio", { name: /^System/ }).check();
      await eventually(async () => assert.equal(await shown(), "light"), 5000, "system again");
      await useTheme(page, "dark");
      // At phone width too, in the dark: the room list and a chat.
      await page.getByRole("button", { name: "Back to conversations" }).click();
      await roomItem(page, "Weekend hike").click();
      await message(page, "See https://example.com/trail").waitFor();
      await assertAccessible(page, "dark, phone: a group chat");
    } finally {
      await context.close();
    }
  });

  it("is usable from the keyboard alone: the room list, Enter to write, Escape back from a dialog, Ctrl+K", async () => {
    const { context, page } = await newPerson(browser, "alice-keys", { width: 1440, height: 900 });
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return el?.getAttribute("data-room") ?? el?.getAttribute("aria-label") ?? el?.tagName;
    });
    const focusedTitle = () => page.evaluate(() => document.activeElement?.querySelector(".room-name")?.textContent ?? null);
    try {
      await logIn(page, server.base, "alice");
      // The keys below move through the list as it stands once ready has come.
      await eventually(async () => {
        const titles = await page.$$eval(".room-item .room-name", (els) => els.map((e) => e.textContent));
        assert.deepEqual(titles, ["Bob Lee", "Weekend hike"]);
      }, 10_000, "the room list");
      // Tab reaches the room list at one stop, not one per room.
      await page.getByRole("searchbox", { name: "Search conversations and messages" }).focus();
      await page.keyboard.press("Tab");
      await eventually(async () => assert.equal(await focusedTitle(), "Bob Lee"), 5000, "first room focused");
      await page.keyboard.press("ArrowDown");
      await eventually(async () => assert.equal(await focusedTitle(), "Weekend hike"), 5000, "ArrowDown");
      await page.keyboard.press("ArrowUp");
      await eventually(async () => assert.equal(await focusedTitle(), "Bob Lee"), 5000, "ArrowUp");
      await page.keyboard.press("End");
      await eventually(async () => assert.equal(await focusedTitle(), "Weekend hike"), 5000, "End");
      await page.keyboard.press("Home");
      await eventually(async () => assert.equal(await focusedTitle(), "Bob Lee"), 5000, "Home");
      await page.keyboard.press("ArrowDown");
      assert.equal(await page.locator('.room-item[tabindex="0"]').count(), 1);

      // Enter opens the room and the caret is in its message box: type, send.
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Weekend hike" }).waitFor();
      await eventually(async () => assert.equal(await focused(), "Message"), 5000, "message box focused");
      await page.keyboard.type("Typed without a mouse");
      await page.keyboard.press("Enter");
      await message(page, "Typed without a mouse").waitFor();

      // Escape closes a dialog and gives focus back to the button that opened it.
      const settings = page.getByRole("button", { name: "Room settings" });
      await settings.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog").waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await eventually(async () => assert.equal(await focused(), "Room settings"), 5000, "focus back on Room settings");

      // Ctrl+K, a few letters, Enter: the other room, ready to write.
      await page.keyboard.press("Control+k");
      const box = page.getByRole("combobox", { name: "Chat name" });
      await eventually(async () => assert.equal(await focused(), "Chat name"), 5000, "switcher focused");
      await page.keyboard.type("bo");
      await page.getByRole("option", { name: "Bob Lee" }).waitFor();
      assert.equal(await page.getByRole("option").count(), 1);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Bob Lee" }).waitFor();
      await box.waitFor({ state: "detached" });
      await eventually(async () => assert.equal(await focused(), "Message"), 5000, "message box focused after the switch");
      await page.keyboard.type("Yes, see you there");
      await page.keyboard.press("Enter");
      await message(page, "Yes, see you there").waitFor();

      // Escape from the switcher: back to the message box, nothing changed.
      await page.keyboard.press("Control+k");
      await box.waitFor();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Escape");
      await box.waitFor({ state: "detached" });
      await eventually(async () => assert.equal(await focused(), "Message"), 5000, "focus back in the message box");
      await page.getByRole("heading", { name: "Bob Lee" }).waitFor();
    } finally {
      await context.close();
    }
  });
});
