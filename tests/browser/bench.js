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
 *   zoom         window.flamegraph.zoom() on the frame whose zoom
 *                redraws the most frames (the one with the most frames
 *                inside its range, the root excepted), until the next
 *                frame is drawn; then Reset Zoom the same way
 *   CPU          the renderer main thread's CPU time from the document's
 *                start to the first paint, over the zoom and over the
 *                reset (from a trace), which the machine's load inflates
 *                much less than the wall time
 * and prints the medians, with the number of frames in the SVG and its
 * size. The baseline, measured in the same run: the same file loaded in a
 * browser with JavaScript off (goto to the load event, wall time, as the
 * "wall" figure of the run with it on), so the script's own share of the
 * load shows as a ratio. The timings include style, layout and paint, not only the
 * script. The figures are wall times on a shared machine: noisy. */
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");
const { launch } = require("./chromium.js");

const median = (a) => {
	const s = a.slice().sort((x, y) => x - y);
	return s[Math.floor(s.length / 2)];
};

async function wall(ctx, file) {
	const page = await ctx.newPage();
	const t0 = Date.now();
	await page.goto(pathToFileURL(path.resolve(file)).href, { timeout: 300000 });
	const ms = Date.now() - t0;
	await page.close();
	return ms;
}

/* The renderer main thread's CPU time between two performance marks,
 * from a trace: the sum of the thread time of the tasks that overlap the
 * span. On a loaded machine the wall time also counts the time the
 * thread waited for a core; this does not. */
function cpuBetween(events, from, to) {
	const a = events.find((e) => e.name === from);
	const b = events.find((e) => e.name === to);
	if (!a || !b)
		return NaN;
	const tasks = events.filter((e) => e.name === "ThreadControllerImpl::RunTask" &&
	    e.ph === "X" && e.tid === a.tid && e.ts + e.dur > a.ts && e.ts < b.ts);
	tasks.sort((x, y) => x.ts - y.ts);
	let cpu = 0, end = -Infinity;
	for (const e of tasks)
		if (e.ts >= end) {	/* not nested in the last one counted */
			cpu += e.tdur || 0;
			end = e.ts + e.dur;
		}
	return cpu / 1000;
}

async function measure(ctx, file) {
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
	const t0 = Date.now();
	await page.goto(pathToFileURL(path.resolve(file)).href, { timeout: 300000 });
	const ms = Date.now() - t0;
	const r = await page.evaluate(async () => {
		const paint = await window.__fgPaint;
		const nav = performance.getEntriesByType("navigation")[0];
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
	});
	const done = new Promise((res) => cdp.once("Tracing.tracingComplete", res));
	await cdp.send("Tracing.end");
	await done;
	r.loadCpu = cpuBetween(events, "fg-start", "fg-painted");
	r.zoomCpu = cpuBetween(events, "fg-zoom", "fg-zoomed");
	r.resetCpu = cpuBetween(events, "fg-reset", "fg-unzoomed");
	await page.close();
	r.wall = ms;
	return r;
}

async function main() {
	const a = process.argv.slice(2);
	let runs = 3;
	if (a[0] === "--runs") {
		runs = parseInt(a[1], 10);
		a.splice(0, 2);
	}
	const ctx = await launch();
	const nojs = await launch({ javaScriptEnabled: false });
	const version = ctx.browser() ? ctx.browser().version() : "";
	console.log(`chromium ${version}, ${runs} runs, medians (ms):`);
	for (const file of a) {
		const rs = [];
		for (let i = 0; i < runs; i++) {
			rs.push(await measure(ctx, file));
			rs[i].base = await wall(nojs, file);
		}
		const m = (k) => median(rs.map((r) => r[k])).toFixed(0);
		const mb = (fs.statSync(file).size / 1e6).toFixed(1);
		const zoom = median(rs.map((r) => r.zoom));
		console.log(`${path.basename(file)}: ${mb} MB, ${rs[0].frames} frames; ` +
		    `load ${m("load")}, first paint ${m("paint")}, ` +
		    `zoom ${m("zoom")} (${rs[0].zoomed} frames redrawn), ` +
		    `reset ${m("reset")}; zoom ${zoom < 200 ? "PASS" : "FAIL"} (< 200 ms)`);
		console.log(`  renderer main thread CPU: to first paint ${m("loadCpu")}, ` +
		    `zoom ${m("zoomCpu")} ` +
		    `(the script's part: ${m("zoomJs")} wall), ` +
		    `reset ${m("resetCpu")}`);
		const w = median(rs.map((r) => r.wall)), bw = median(rs.map((r) => r.base));
		console.log(`  wall to load: ${w.toFixed(0)} with the script, ` +
		    `${bw.toFixed(0)} with JavaScript off (${(w / bw).toFixed(2)}x)`);
	}
	await ctx.close();
	await nojs.close();
}

main().catch((e) => {
	console.error(`bench.js: ${e && e.stack || e}`);
	process.exit(1);
});
