import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import { launchBrowser, openRoom } from "../support/browser.ts";
import { gatedStore } from "../support/gatedStore.ts";
import { startTestServer, waitUntilAsync } from "../support/server.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { tempDir } from "../support/tmp.ts";
import { clauseReady, clickAtEnd, EDITORS, serverText } from "./roomPage.ts";

describe("the room offline", () => {
  describe.each(EDITORS)("offline then saved (%s)", (editor) => {
    it("offline for a few seconds: edits made meanwhile arrive on reconnect, and 'saved' shows only once the server has stored them", async () => {
      const dir = tempDir("gavel-offline-");
      const gated = gatedStore(openSqliteStore({ file: join(dir, "gavel.sqlite") }));
      const t = await startTestServer({ store: gated.store, editor });
      const proxy = await startTcpProxy((t.server.app.server.address() as AddressInfo).port);
      const browser = await launchBrowser();
      const delegate = await openRoom(browser, proxy.url, await t.token("delegate"), { section: "glossary" });
      await clauseReady(delegate.page, "c1");
      await delegate.page.locator('#status[data-state="online"]').waitFor();

      proxy.cut();
      await delegate.page.locator('#status:not([data-state="online"])').waitFor();
      await clickAtEnd(delegate.page, "c1");
      await delegate.page.keyboard.type(" written-offline");
      await delegate.page.locator('#save-state[data-saved="false"]').waitFor();
      await delegate.page.waitForTimeout(2000);

      gated.hold();
      proxy.restore();
      await delegate.page.locator('#status[data-state="online"]').waitFor({ timeout: 20_000 });
      await waitUntilAsync(async () => gated.heldAppends() > 0, "the offline edit reached the store");
      // Held in the store: not saved yet.
      expect(await delegate.page.locator("#save-state").getAttribute("data-saved")).toBe("false");
      gated.release();
      await delegate.page.locator('#save-state[data-saved="true"]').waitFor();
      expect(await serverText(t.httpUrl, await t.token("chair"), "glossary", "c1")).toContain("written-offline");
    });
  });
});
