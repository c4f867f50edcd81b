/* chromium.js - how the browser tests and benchmarks start Debian's
 * chromium: /usr/bin/chromium (or $CHROMIUM), headless, no sandbox, GPU,
 * first-run UI or background network use, each time with a fresh
 * --user-data-dir (removed by close()). Never a downloaded browser. */
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-quic"];

/* A browser context in a new profile directory; EXTRA are playwright
 * context options (javaScriptEnabled: false ...). */
async function launch(extra) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fg-chromium-"));
	const ctx = await chromium.launchPersistentContext(dir, Object.assign({
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport: { width: 1280, height: 900 },
	}, extra || {}));
	const close = ctx.close.bind(ctx);
	ctx.close = async () => {
		await close();
		fs.rmSync(dir, { recursive: true, force: true });
	};
	return ctx;
}

module.exports = { CHROMIUM, launch };
