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

async function measure(ctx, file) {
	const page = await ctx.newPage();
	const t0 = Date.now();
	/* Runs before the document's own scripts: records when the first
	 * frame after the load event is drawn. */
	await page.addInitScript(() => {
		window.__fgPaint = new Promise((resolve) => {
			window.addEventListener("load", () => {
				requestAnimationFrame(() => requestAnimationFrame(() =>
					resolve(performance.now())));
			});
		});
	});
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
		fg.zoom(gs[best]);
		await next();
		const zoom = performance.now() - t0;
		t0 = performance.now();
		fg.resetZoom();
		await next();
		const reset = performance.now() - t0;
		return {
			load: nav.loadEventEnd, paint, zoom, reset,
			frames: gs.length, zoomed: bestN,
		};
	});
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
