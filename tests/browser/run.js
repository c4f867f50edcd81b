#!/usr/bin/env node
/* run.js - the flamegraph SVG's script tested in a real browser: Debian's
 * chromium (/usr/bin/chromium) driven by playwright-core. Never downloads
 * a browser.
 *
 *   node run.js --out DIR --folded F --svg F.svg --preset P.svg --regex RE
 *               --diff D.svg --unicode U.svg --unicode-right R.svg
 *
 * F.svg is `flamegraph F`, P.svg the same with `--search RE`, D.svg a
 * differential graph, U.svg one whose names need re-truncation with
 * characters outside the BMP and R.svg the same with
 * --truncate-text-right. Expected figures are computed here from the
 * folded file F itself, not from the SVG. Screenshots go to DIR.
 * Prints "ok - NAME" or "not ok - NAME: why" per check and, last,
 * "N passed, N failed"; exits 1 if anything failed. */
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

let launch, CHROMIUM;
try {
	({ launch, CHROMIUM } = require("./chromium.js"));
} catch (e) {
	console.log("not ok - playwright-core is not installed (make deps)");
	console.log("0 passed, 1 failed");
	process.exit(1);
}

function options() {
	const o = {};
	const a = process.argv.slice(2);
	for (let i = 0; i + 1 < a.length; i += 2)
		o[a[i].replace(/^--/, "")] = a[i + 1];
	for (const k of ["out", "folded", "svg", "preset", "regex", "diff", "unicode", "unicode-right"])
		if (!o[k]) {
			console.error(`run.js: missing --${k}`);
			process.exit(2);
		}
	return o;
}

/* The folded file as [frames[], count] pairs, and its total. */
function readFolded(file) {
	const stacks = [];
	let total = 0;
	for (const line of fs.readFileSync(file, "utf8").split("\n")) {
		const m = /^(.*\S)\s+([0-9.]+)\s*$/.exec(line);
		if (!m)
			continue;
		const n = parseFloat(m[2]);
		stacks.push([m[1].split(";"), n]);
		total += n;
	}
	return { stacks, total };
}

/* Matched share: a stack counts once if any of its frames matches. */
function expectedMatched(folded, re) {
	let sum = 0;
	for (const [frames, n] of folded.stacks)
		if (frames.some((f) => re.test(f)))
			sum += n;
	return (100 * sum / folded.total).toFixed(2) + "%";
}

let passed = 0, failed = 0;
async function check(name, fn) {
	try {
		await fn();
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok - ${name}: ${String(e && e.message || e).split("\n")[0]}`);
	}
}
function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

/* Frame geometry and state as the page sees it. */
function frames(page) {
	return page.evaluate(() => [...document.querySelectorAll("#frames g.f")].map((g, i) => {
		const r = g.querySelector("rect"), t = g.querySelector("text");
		const title = g.querySelector("title").textContent;
		return {
			i,
			name: title.slice(0, title.lastIndexOf(" (")),
			x: parseFloat(g.getAttribute("data-x")),
			w: parseFloat(g.getAttribute("data-w")),
			d: parseInt(g.getAttribute("data-d"), 10),
			rx: parseFloat(r.getAttribute("x")),
			rw: parseFloat(r.getAttribute("width")),
			label: t ? t.textContent : "",
			cls: g.getAttribute("class"),
			shown: getComputedStyle(g).display !== "none",
		};
	}));
}

function rootInfo(page) {
	return page.evaluate(() => {
		const s = document.documentElement;
		return {
			width: s.viewBox.baseVal.width,
			xpad: parseFloat(s.getAttribute("data-xpad")),
			total: parseFloat(s.getAttribute("data-total")),
		};
	});
}

const text = (page, id) => page.evaluate((i) => document.getElementById(i).textContent, id);

async function openPage(ctx, url) {
	const page = await ctx.newPage();
	const errors = [];
	page.on("pageerror", (e) => errors.push(String(e)));
	page.on("console", (m) => {
		if (m.type() === "error")
			errors.push(m.text());
	});
	await page.goto(url);
	await page.waitForLoadState("load");
	return { page, errors };
}

/* A frame worth zooming into: not the root, with children, wide enough
 * to click, whose zoom widens its children. */
function pickZoomFrame(fs_, info) {
	const scale = (info.width - 2 * info.xpad) / info.total;
	const cands = fs_.filter((f) => f.d >= 2 && f.w * scale > 40 &&
	    f.w < info.total * 0.8 &&
	    fs_.some((c) => c.d === f.d + 1 && c.x >= f.x && c.x < f.x + f.w));
	cands.sort((a, b) => a.w - b.w);
	return cands[0] || fs_.find((f) => f.d === 1);
}

async function main() {
	const o = options();
	fs.mkdirSync(o.out, { recursive: true });
	const folded = readFolded(o.folded);
	const shot = (page, name) => page.screenshot({ path: path.join(o.out, name + ".png") });
	const url = pathToFileURL(path.resolve(o.svg)).href;

	let ctx;
	try {
		ctx = await launch();
	} catch (e) {
		console.log(`not ok - launch ${CHROMIUM}: ${String(e.message).split("\n")[0]}`);
		console.log("0 passed, 1 failed");
		process.exit(1);
	}
	try {
		await ctx.grantPermissions(["clipboard-read", "clipboard-write"]);
	} catch (e) {
		/* The copy check below says what happened. */
	}
	const { page, errors } = await openPage(ctx, url);
	const info = await rootInfo(page);
	const full = info.width - 2 * info.xpad;
	let all = await frames(page);
	await shot(page, "01-loaded");

	await check("the SVG loads with frames and no script error", async () => {
		assert(all.length > 1, `${all.length} frames`);
		assert(errors.length === 0, errors.join("; "));
		assert(await page.evaluate(() => typeof window.flamegraph === "object"),
		    "the script did not start");
	});

	const target = pickZoomFrame(all, info);
	const sel = `#frames g.f >> nth=${target.i}`;

	await check("hover shows name, count, % and self in #details", async () => {
		await page.hover(sel);
		const d = await text(page, "details");
		assert(d.includes(target.name), `details "${d}" lacks "${target.name}"`);
		const pct = (100 * target.w / info.total).toFixed(2) + "%";
		assert(d.includes(pct), `details "${d}" lacks ${pct}`);
		assert(/self [0-9,.]+/.test(d), `details "${d}" lacks the self count`);
		await shot(page, "02-hover");
	});

	const before = all;
	await check("click zooms: the frame spans the full width", async () => {
		const t0 = Date.now();
		await page.click(sel, { position: { x: 5, y: 5 } });
		const ms = Date.now() - t0;
		all = await frames(page);
		const f = all[target.i];
		assert(Math.abs(f.rx - info.xpad) < 0.5, `x ${f.rx}, expected ${info.xpad}`);
		assert(f.rw > full - 2 && f.rw <= full, `width ${f.rw} of ${full}`);
		const box = await page.locator(sel + " >> rect").boundingBox();
		const svgBox = await page.locator("svg").boundingBox();
		assert(box.width / svgBox.width > full / info.width - 0.01,
		    `on screen ${box.width} of ${svgBox.width}`);
		console.log(`# click to zoom: ${ms} ms (with playwright's overhead)`);
		await shot(page, "03-zoomed");
	});

	await check("zoom dims ancestors, hides what is outside, shows Reset Zoom", async () => {
		const parents = all.filter((f) => f.d < target.d);
		const anc = parents.filter((f) => f.x <= target.x && f.x + f.w >= target.x + target.w);
		assert(anc.length === target.d, `${anc.length} ancestors for depth ${target.d}`);
		for (const a of anc) {
			assert(/\bparent\b/.test(a.cls) && a.shown, `ancestor ${a.name} not dimmed`);
			assert(Math.abs(a.rx - info.xpad) < 0.5 && a.rw > full - 2,
			    `ancestor ${a.name} not full width`);
		}
		const outside = all.filter((f) => f.d >= target.d &&
		    (f.x + f.w <= target.x || f.x >= target.x + target.w));
		assert(outside.every((f) => !f.shown), "a frame outside the zoom is shown");
		const unz = await page.evaluate(() => getComputedStyle(document.getElementById("unzoom")).display);
		assert(unz !== "none", "Reset Zoom is hidden");
	});

	await check("zoomed labels fit their frames and keep whole characters", async () => {
		const bad = await page.evaluate(() => {
			const out = [];
			for (const g of document.querySelectorAll("#frames g.f")) {
				const t = g.querySelector("text"), r = g.querySelector("rect");
				if (!t.textContent || getComputedStyle(g).display === "none")
					continue;
				const tw = t.getComputedTextLength();
				if (tw > parseFloat(r.getAttribute("width")) + 2)
					out.push(`${t.textContent} ${tw}>${r.getAttribute("width")}`);
			}
			return out;
		});
		assert(bad.length === 0, `${bad.length} overflow: ${bad.slice(0, 2).join(", ")}`);
		const inzoom = all.filter((f) => f.shown && f.d >= target.d);
		assert(inzoom.length > 0, "no frame in the zoom");
		const longer = inzoom.filter((f) => f.label.length > before[f.i].label.length);
		assert(longer.length > 0, "no label grew with the zoom");
	});

	await check("hover while zoomed shows % of the zoomed frame", async () => {
		await page.hover(sel, { position: { x: 30, y: 5 } });
		const d = await text(page, "details");
		assert(d.includes("100.00% of zoom"), `details "${d}"`);
	});

	let zoomURL;
	await check("zoom is kept in the URL and restored on reload", async () => {
		zoomURL = page.url();
		const q = new URL(zoomURL).searchParams;
		assert(q.get("y") === String(target.d), `URL ${zoomURL}`);
		assert(Math.abs(parseFloat(q.get("x")) - target.x) < 1e-6, `URL ${zoomURL}`);
		await page.reload();
		await page.waitForLoadState("load");
		all = await frames(page);
		const f = all[target.i];
		assert(Math.abs(f.rx - info.xpad) < 0.5 && f.rw > full - 2,
		    `after reload x ${f.rx} width ${f.rw}`);
	});

	await check("Reset Zoom restores every frame's geometry", async () => {
		await page.click("#unzoom");
		const now = await frames(page);
		const fresh = await (async () => {
			const p = await ctx.newPage();
			await p.goto(url);
			const r = await frames(p);
			await p.close();
			return r;
		})();
		for (let i = 0; i < now.length; i++) {
			const a = now[i], b = fresh[i];
			assert(Math.abs(a.rx - b.rx) < 0.01 && Math.abs(a.rw - b.rw) < 0.01 &&
			    a.label === b.label && a.shown,
			    `frame ${a.name}: ${a.rx},${a.rw},"${a.label}" vs ${b.rx},${b.rw},"${b.label}"`);
		}
		assert(!new URL(page.url()).searchParams.has("x"), `URL ${page.url()}`);
	});

	const re = new RegExp(o.regex);
	const expect = expectedMatched(folded, re);
	await check(`search /${o.regex}/ with Ctrl-F: Matched counts nested matches once (${expect})`, async () => {
		await page.click("#title");
		await page.keyboard.press("Control+f");
		const input = page.locator(".fg-searchbox input");
		await input.waitFor();
		await input.fill(o.regex);
		await shot(page, "04-search-field");
		await input.press("Enter");
		const m = await text(page, "matched");
		assert(m === `Matched: ${expect}`, `"${m}", expected "Matched: ${expect}"`);
		const naive = all.filter((f) => re.test(f.name)).reduce((a, f) => a + f.w, 0);
		assert((100 * naive / info.total).toFixed(2) + "%" !== expect,
		    "no nested matches: the check would not see double counting");
		const hl = all.filter((f) => re.test(f.name)).length;
		const got = await page.locator("#frames g.f.match").count();
		assert(got === hl, `${got} frames highlighted, ${hl} match`);
		const fill = await page.evaluate(() => getComputedStyle(document.querySelector("#frames g.f.match rect")).fill);
		assert(/230, 0, 230/.test(fill), `highlight ${fill}`);
		await shot(page, "04-search-matched");
	});

	await check("the case toggle (ic) makes the search case-insensitive", async () => {
		const upper = o.regex.toUpperCase();
		if (upper === o.regex.toLowerCase())
			throw new Error("the regex has no letters");
		await page.keyboard.press("/");
		const input = page.locator(".fg-searchbox input");
		await input.fill(upper);
		await input.press("Enter");
		const sens = await text(page, "matched");
		const want = expectedMatched(folded, new RegExp(upper));
		assert(sens === `Matched: ${want}`, `case-sensitive "${sens}", expected ${want}`);
		await page.click("#ignorecase");
		const insens = await text(page, "matched");
		const want2 = expectedMatched(folded, new RegExp(upper, "i"));
		assert(insens === `Matched: ${want2}`, `ignoring case "${insens}", expected ${want2}`);
		await page.click("#ignorecase");
	});

	await check("search is kept in the URL (s=) and restored on reload", async () => {
		await page.keyboard.press("/");
		const input = page.locator(".fg-searchbox input");
		await input.fill(o.regex);
		await input.press("Enter");
		assert(new URL(page.url()).searchParams.get("s") === o.regex, `URL ${page.url()}`);
		await page.reload();
		await page.waitForLoadState("load");
		const m = await text(page, "matched");
		assert(m === `Matched: ${expect}`, `after reload "${m}"`);
	});

	await check("while zoomed, Matched also gives the share of the zoomed frame", async () => {
		await page.click(sel, { position: { x: 5, y: 5 } });
		const stack = await page.evaluate((i) =>
			window.flamegraph.stack(document.querySelectorAll("#frames g.f")[i]), target.i);
		const pre = stack.split(";");
		let sum = 0, all_ = 0;
		for (const [fr, n] of folded.stacks)
			if (fr.length >= pre.length && pre.every((f, k) => fr[k] === f)) {
				all_ += n;
				if (fr.some((f) => re.test(f)))
					sum += n;
			}
		const want = `Matched: ${expect} (${(100 * sum / all_).toFixed(2)}% of zoom)`;
		const m = await text(page, "matched");
		assert(m === want, `"${m}", expected "${want}"`);
	});

	await check("Esc resets the zoom and the search", async () => {
		await page.click(sel, { position: { x: 5, y: 5 } });
		await page.keyboard.press("Escape");
		all = await frames(page);
		assert(all.every((f) => f.shown && !/\b(match|parent|z)\b/.test(f.cls)), "state left after Esc");
		const m = await text(page, "matched");
		assert(m.trim() === "", `matched "${m}"`);
		const q = new URL(page.url()).searchParams;
		assert(!q.has("x") && !q.has("s"), `URL ${page.url()}`);
	});

	await check("frames take the keyboard focus; Enter zooms", async () => {
		await page.click("#title");
		let tabs = 0, active = null;
		while (tabs++ < 20) {
			await page.keyboard.press("Tab");
			active = await page.evaluate(() => {
				const a = document.activeElement;
				return a && a.classList && a.classList.contains("f") ? a.getAttribute("data-d") : null;
			});
			if (active !== null)
				break;
		}
		assert(active !== null, "no frame got the focus with Tab");
		const d = await text(page, "details");
		assert(d.includes("all"), `focus on the root shows "${d}"`);
		await page.keyboard.press("ArrowDown");
		const child = await page.evaluate(() => document.activeElement.getAttribute("data-d"));
		assert(child === "1", `ArrowDown went to depth ${child}`);
		await page.keyboard.press("Enter");
		const idx = await page.evaluate(() => [...document.querySelectorAll("#frames g.f")].indexOf(document.activeElement));
		const now = await frames(page);
		assert(Math.abs(now[idx].rw - full) < 2, `focused frame width ${now[idx].rw} after Enter`);
		await shot(page, "05-keyboard");
		await page.keyboard.press("Escape");
	});

	await check("c copies the frame's name, Shift+C its stack", async () => {
		const deep = all.reduce((a, f) => (f.d > a.d ? f : a), all[0]);
		const loc = page.locator(`#frames g.f >> nth=${deep.i}`);
		await loc.focus();
		await page.keyboard.press("c");
		await page.waitForFunction(() => /^Copied/.test(document.getElementById("details").textContent));
		const name = await page.evaluate(() => navigator.clipboard.readText());
		assert(name === deep.name, `copied "${name}", expected "${deep.name}"`);
		await page.keyboard.press("Shift+C");
		await page.waitForFunction(() => /^Copied stack/.test(document.getElementById("details").textContent));
		const stack = await page.evaluate(() => navigator.clipboard.readText());
		const want = [];
		let cur = deep;
		while (cur.d > 0) {
			want.unshift(cur.name);
			cur = all.filter((f) => f.d === cur.d - 1 && f.x <= cur.x &&
			    f.x + f.w >= cur.x + cur.w)[0];
		}
		assert(stack === want.join(";"), `copied "${stack}", expected "${want.join(";")}"`);
		const inFile = folded.stacks.some(([fr]) => fr.join(";").startsWith(stack));
		assert(inFile, `"${stack}" is not a stack of ${o.folded}`);
	});

	await check("dark theme follows prefers-color-scheme", async () => {
		await page.emulateMedia({ colorScheme: "dark" });
		const bg = await page.evaluate(() => getComputedStyle(document.getElementById("background")).fill);
		const ui = await page.evaluate(() => getComputedStyle(document.getElementById("title")).fill);
		const lum = (c) => {
			const m = /rgb\((\d+), (\d+), (\d+)/.exec(c);
			return m ? (+m[1] + +m[2] + +m[3]) / 3 : -1;
		};
		assert(lum(bg) >= 0 && lum(bg) < 64, `background ${bg}`);
		assert(lum(ui) > 160, `text ${ui}`);
		await shot(page, "06-dark");
		await page.emulateMedia({ colorScheme: "light" });
	});

	await check(`--search preset highlights on load (Matched: ${expect})`, async () => {
		const p = await ctx.newPage();
		await p.goto(pathToFileURL(path.resolve(o.preset)).href);
		const m = await text(p, "matched");
		assert(m === `Matched: ${expect}`, `"${m}"`);
		await p.close();
	});

	await check("differential graph: details show before, after and delta", async () => {
		const { page: p, errors: errs } = await openPage(ctx, pathToFileURL(path.resolve(o.diff)).href);
		const fr = await frames(p);
		const f = fr.find((x) => x.d >= 1 && x.w > 0);
		const b = await p.locator(`#frames g.f >> nth=${f.i}`).getAttribute("data-b");
		const a = await p.locator(`#frames g.f >> nth=${f.i}`).getAttribute("data-a");
		assert(b !== null && a !== null, "no data-b/data-a");
		await p.hover(`#frames g.f >> nth=${f.i}`);
		const d = await text(p, "details");
		const grp = (s) => s.replace(/^(-?)(\d+)/, (x, sign, ds) => sign + ds.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
		assert(d.includes(`before ${grp(b)}`) && d.includes(`after ${grp(a)}`), `details "${d}"`);
		const dv = parseFloat(a) - parseFloat(b);
		assert(d.includes((dv > 0 ? "+" : "") + grp(String(dv))), `details "${d}" lacks the delta ${dv}`);
		assert(errs.length === 0, errs.join("; "));
		await p.screenshot({ path: path.join(o.out, "07-diff.png") });
		await p.close();
	});

	await check("zoom is right when frames are not in pre-order (class fallback)", async () => {
		/* Move the last frame inside the target's range to the end of
		 * #frames, so the zoomed frames are no longer one run. */
		const svgText = fs.readFileSync(o.svg, "utf8");
		const re = /<g class="f"[^>]*>.*?<\/g>/gs;
		const els = svgText.match(re);
		assert(els && els.length === all.length, "cannot find the frames' markup");
		let moved = -1;
		for (let i = all.length - 1; i > target.i; i--)
			if (all[i].d > target.d && all[i].x >= target.x &&
			    all[i].x + all[i].w <= target.x + target.w) {
				moved = i;
				break;
			}
		assert(moved > 0, "no frame to move");
		const end = svgText.lastIndexOf("</g>", svgText.indexOf("</svg>"));
		const frag = els[moved];
		let t = svgText.slice(0, end) + frag + svgText.slice(end);
		t = t.replace(frag, "");
		const file = path.join(o.out, "unordered.svg");
		fs.writeFileSync(file, t);
		const { page: p, errors: errs } = await openPage(ctx, pathToFileURL(file).href);
		const fr = await frames(p);
		const ti = fr.findIndex((f) => f.d === target.d && f.x === target.x);
		await p.evaluate((i) => window.flamegraph.zoom(document.querySelectorAll("#frames g.f")[i]), ti);
		const now = await frames(p);
		const byClass = await p.evaluate(() => document.getElementById("frames").classList.contains("byclass"));
		assert(byClass, "the class fallback was not used");
		for (const f of now) {
			const inside = f.d >= target.d && f.x >= target.x && f.x + f.w <= target.x + target.w;
			const anc = f.d < target.d && f.x <= target.x && f.x + f.w >= target.x + target.w;
			assert(f.shown === (inside || anc), `${f.name} at depth ${f.d}: shown ${f.shown}`);
		}
		const m = now[now.length - 1];
		const want = info.xpad + (m.x - target.x) * (full / target.w);
		assert(Math.abs(m.rx - want) < 0.5, `moved frame at ${m.rx}, expected ${want}`);
		assert(errs.length === 0, errs.join("; "));
		await p.close();
	});

	for (const [file, side] of [[o.unicode, "left"], [o["unicode-right"], "right"]])
		await check(`labels re-fitted after a zoom keep whole characters (cut at the ${side})`, async () => {
			const { page: p } = await openPage(ctx, pathToFileURL(path.resolve(file)).href);
			const fr = await frames(p);
			const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/;
			let cut = 0;
			for (const f of fr.filter((x) => x.d === 1)) {
				await p.evaluate((i) => window.flamegraph.zoom(document.querySelectorAll("#frames g.f")[i]), f.i);
				for (const x of (await frames(p)).filter((y) => y.shown && y.label)) {
					assert(!lone.test(x.label), `split pair in ${JSON.stringify(x.label)}`);
					if (x.label === x.name)
						continue;
					cut++;
					const ok = side === "left" ?
					    x.label.startsWith("..") && x.name.endsWith(x.label.slice(2)) :
					    x.label.endsWith("..") && x.name.startsWith(x.label.slice(0, -2));
					assert(ok, `label ${JSON.stringify(x.label)} of ${JSON.stringify(x.name)}`);
				}
			}
			assert(cut > 0, "no cut label was exercised");
			await p.screenshot({ path: path.join(o.out, `08-unicode-${side}.png`) });
			await p.close();
		});

	await ctx.close();

	await check("with JavaScript off, frames and <title> tooltips still show", async () => {
		const c2 = await launch({ javaScriptEnabled: false });
		const p = c2.pages()[0] || await c2.newPage();
		await p.goto(url);
		const r = await p.evaluate(() => {
			const g = [...document.querySelectorAll("#frames g.f")];
			return {
				n: g.length,
				shown: g.filter((x) => {
					const st = getComputedStyle(x);
					return st.display !== "none" && st.visibility === "visible" &&
					    parseFloat(st.opacity) === 1 &&
					    x.querySelector("rect").getBoundingClientRect().height > 0;
				}).length,
				titled: g.filter((x) => x.querySelector("title").textContent.length > 0).length,
				script: typeof window.flamegraph,
				search: getComputedStyle(document.getElementById("search")).display,
			};
		});
		assert(r.script === "undefined", "the script ran");
		assert(r.search === "none", "Search is offered with no script to run it");
		assert(r.n === all.length && r.shown === r.n && r.titled === r.n,
		    `${r.shown} of ${r.n} shown, ${r.titled} titled`);
		await p.screenshot({ path: path.join(o.out, "09-nojs.png") });
		await c2.close();
	});

	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`not ok - the test run died: ${e && e.stack || e}`);
	console.log(`${passed} passed, ${failed + 1} failed`);
	process.exit(1);
});
