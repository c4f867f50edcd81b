#!/usr/bin/env node
/* bench.js - how long Debian's chromium takes to load and first paint a
 * flamegraph SVG, and to zoom in it.
 *
 *   node bench.js [--runs N] FILE.svg...
 *
 * For each file, RUNS times (3), in a fresh page of one browser:
 *   load         navigation start to the end of the load event
 *                (PerformanceNavigationTiming.loadEventEnd)
 *   first paint  navigation start to the first frame drawn after the
 *                load: requestAnimationFrame called from the load
 *                event, then the next one (the paint between them is
 *                the first with the whole document)
 *   zoom         after the page was idle once (when a user's first click
 *                would come), window.flamegraph.zoom() on the frame
 *                whose zoom redraws the most frames (the one with the
 *                most frames inside its range, the root excepted),
 *                until the next frame is drawn; then Reset Zoom the
 *                same way
 *   CPU          CPU time from the document's start to the first paint,
 *                over the zoom and over the reset (from a trace), of the
 *                renderer's main thread and of all the browser's
 *                threads, which the machine's load inflates much less
 *                than the wall time
 * and prints the medians, with the number of frames in the SVG and its
 * size. The baseline, measured in the same runs (interleaved): the same
 * file with its <script> element removed, load and first paint, wall and
 * CPU, so the script's share of the load shows as a ratio. The timings
 * include style, layout and paint, not only the script. Wall times on a
 * shared machine are noisy; the CPU times much less so. */
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");
const { launch } = require("./chromium.js");

const median = (a) => {
	const s = a.slice().sort((x, y) => x - y);
	return s[Math.floor(s.length / 2)];
};

/* CPU time between two performance marks, from a trace: on the thread
 * of the marks (the renderer's main thread) and on all the browser's
 * threads (raster, compositor, GPU and browser process too), each the
 * sum of the thread time of the outermost events that overlap the span.
 * On a loaded machine the wall time also counts the time the threads
 * waited for a core; these do not. */
function cpuBetween(events, from, to) {
	const a = events.find((e) => e.name === from);
	const b = events.find((e) => e.name === to);
	if (!a || !b)
		return { main: NaN, all: NaN };
	const span = events.filter((e) => e.ph === "X" && e.tdur !== undefined &&
	    e.ts + e.dur > a.ts && e.ts < b.ts);
	span.sort((x, y) => x.ts - y.ts);
	const end = new Map();
	let main = 0, all = 0;
	for (const e of span) {
		const k = e.pid + ":" + e.tid;
		if (e.ts < (end.get(k) || -Infinity))
			continue;	/* nested in the last one counted */
		end.set(k, e.ts + e.dur);
		all += e.tdur;
		if (e.tid === a.tid && e.pid === a.pid)
			main += e.tdur;
	}
	return { main: main / 1000, all: all / 1000 };
}

/* One run on FILE; with WITHZOOM, also the zoom and the reset. */
async function measure(ctx, file, withZoom) {
	const page = await ctx.newPage();
	const cdp = await ctx.newCDPSession(page);
	const events = [];
	cdp.on("Tracing.dataCollected", (e) => events.push(...e.value));
	await cdp.send("Tracing.start", {
		traceConfig: { includedCategories: ["blink.user_timing", "toplevel"] },
		transferMode: "ReportEvents",
	});
	/* Runs before the document's own scripts: marks the document's
	 * start and records when the first frame after the load event is
	 * drawn. */
	await page.addInitScript(() => {
		performance.mark("fg-start");
		window.__fgPaint = new Promise((resolve) => {
			window.addEventListener("load", () => {
				requestAnimationFrame(() => requestAnimationFrame(() => {
					performance.mark("fg-painted");
					resolve(performance.now());
				}));
			});
		});
	});
	await page.goto(pathToFileURL(path.resolve(file)).href, { timeout: 300000 });
	const r = await page.evaluate(async (withZoom) => {
		const paint = await window.__fgPaint;
		const nav = performance.getEntriesByType("navigation")[0];
		if (!withZoom)
			return { load: nav.loadEventEnd, paint };
		const next = () => new Promise((res) =>
			requestAnimationFrame(() => requestAnimationFrame(res)));
		const fg = window.flamegraph;
		const gs = [...document.querySelectorAll("#frames g.f")];
		const w = gs.map((g) => parseFloat(g.getAttribute("data-w")));
		const d = gs.map((g) => parseInt(g.getAttribute("data-d"), 10));
		const total = Math.max(...w);
		/* Frames are in pre-order: a frame's range is the run of
		 * deeper frames after it. */
		let best = -1, bestN = -1;
		for (let i = 0; i < gs.length; i++) {
			if (w[i] >= total)
				continue;
			let j = i + 1;
			while (j < gs.length && d[j] > d[i])
				j++;
			if (j - i > bestN) {
				bestN = j - i;
				best = i;
			}
		}
		/* As a user's first click would: after the page was idle once
		 * (the script parses the frames' numbers then). */
		await new Promise((res) => requestIdleCallback(res, { timeout: 5000 }));
		await next();
		let t0 = performance.now();
		performance.mark("fg-zoom");
		fg.zoom(gs[best]);
		const zoomJs = performance.now() - t0;
		await next();
		performance.mark("fg-zoomed");
		const zoom = performance.now() - t0;
		/* The reset starts in a task of its own, after the mark. */
		await new Promise((res) => setTimeout(res, 50));
		t0 = performance.now();
		performance.mark("fg-reset");
		fg.resetZoom();
		await next();
		performance.mark("fg-unzoomed");
		const reset = performance.now() - t0;
		await new Promise((res) => setTimeout(res, 50));
		return {
			load: nav.loadEventEnd, paint, zoom, zoomJs, reset,
			frames: gs.length, zoomed: bestN,
		};
	}, withZoom);
	const done = new Promise((res) => cdp.once("Tracing.tracingComplete", res));
	await cdp.send("Tracing.end");
	await done;
	const load = cpuBetween(events, "fg-start", "fg-painted");
	const zoom = cpuBetween(events, "fg-zoom", "fg-zoomed");
	const reset = cpuBetween(events, "fg-reset", "fg-unzoomed");
	r.loadCpu = load.main;
	r.loadAll = load.all;
	r.zoomCpu = zoom.main;
	r.zoomAll = zoom.all;
	r.resetCpu = reset.main;
	r.resetAll = reset.all;
	await page.close();
	return r;
}

async function main() {
	const a = process.argv.slice(2);
	let runs = 3;
	if (a[0] === "--runs") {
		runs = parseInt(a[1], 10);
		a.splice(0, 2);
	}
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fg-bench-"));
	const ctx = await launch();
	const version = ctx.browser() ? ctx.browser().version() : "";
	console.log(`chromium ${version}, medians of ${runs} runs (ms)`);
	for (const file of a) {
		const bare = path.join(tmp, "noscript-" + path.basename(file));
		fs.writeFileSync(bare, fs.readFileSync(file, "utf8")
		    .replace(/<script[^>]*>[\s\S]*?<\/script>/g, ""));
		const rs = [], bs = [];
		for (let i = 0; i < runs; i++) {
			rs.push(await measure(ctx, file, true));
			bs.push(await measure(ctx, bare, false));
		}
		const m = (set, k) => median(set.map((r) => r[k]));
		const f = (x) => x.toFixed(0);
		const mb = (fs.statSync(file).size / 1e6).toFixed(1);
		const zoom = m(rs, "zoom");
		console.log(`${path.basename(file)}: ${mb} MB, ${rs[0].frames} frames`);
		console.log(`  with the script:    load ${f(m(rs, "load"))}, first paint ` +
		    `${f(m(rs, "paint"))}; main thread CPU to first paint ${f(m(rs, "loadCpu"))}`);
		console.log(`  without the script: load ${f(m(bs, "load"))}, first paint ` +
		    `${f(m(bs, "paint"))}; main thread CPU to first paint ${f(m(bs, "loadCpu"))}` +
		    ` (with/without: paint ${(m(rs, "paint") / m(bs, "paint")).toFixed(2)}x, ` +
		    `CPU ${(m(rs, "loadCpu") / m(bs, "loadCpu")).toFixed(2)}x)`);
		const zall = m(rs, "zoomAll");
		console.log(`  zoom (${rs[0].zoomed} frames redrawn): ${f(zoom)} wall, ` +
		    `${zoom < 200 ? "PASS" : "FAIL"} (< 200 ms); CPU: main thread ` +
		    `${f(m(rs, "zoomCpu"))}, all threads ${f(zall)}, ` +
		    `${zall < 200 ? "PASS" : "FAIL"} (< 200 ms); ` +
		    `the script's part ${f(m(rs, "zoomJs"))} wall`);
		console.log(`  Reset Zoom: ${f(m(rs, "reset"))} wall; CPU: main thread ` +
		    `${f(m(rs, "resetCpu"))}, all threads ${f(m(rs, "resetAll"))}`);
	}
	await ctx.close();
	fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
	console.error(`bench.js: ${e && e.stack || e}`);
	process.exit(1);
});
