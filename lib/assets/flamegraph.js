/* flamegraph.js - the interactive part of a flamegraph SVG: details on
 * hover and focus, click to zoom, regular-expression search, the zoom and
 * search kept in the URL, keyboard use and copying names and stacks.
 * Embedded in every SVG `flamegraph` writes; the document it works on is
 * described in lib/assets/DOM.md.
 *
 * Large graphs: nothing is measured and no frame is touched at load; the
 * frames' numbers are parsed once, after the first paint, into typed
 * arrays, and a zoom writes only the frames it shows (those it hides are
 * hidden by one style rule). */
(function () {
	"use strict";

	var SVGNS = "http://www.w3.org/2000/svg";
	var XHTMLNS = "http://www.w3.org/1999/xhtml";

	var svg, framesG, details, matchedEl, unzoomEl, searchEl, icEl;
	var total, unit, nametype, fontsize, fontwidth, xpad, width;
	var truncLeft;
	var els = null;		/* frame <g> elements, document order */
	var X, W, D;		/* parsed data-x, data-w, data-d */
	var rects, texts;	/* each frame's <rect> and <text> */
	var rectX0, rectW0, textX0, label0;	/* the document's geometry */
	var rectX, rectW;	/* the <rect>s' current x and width */
	var moved;		/* 1 where the zoom moved the <text> */
	var names;		/* frame names, parsed from <title> on demand */
	var labels;		/* current label text */
	var index;		/* element -> frame index */
	var gap = 0, textdx = 3;	/* rect width = count width - gap */
	var charw = 0;		/* average label character width, pixels */
	var zoomed = -1;	/* the zoomed frame, or -1 */
	var inZoom = [];	/* frames inside the current zoom */
	var byClass = false;	/* ... marked with class "z" (see zoom()) */
	var dynStyle = null;	/* the script's own <style>, made on first use */
	var zoomCss = "";	/* its rule hiding what a zoom leaves out */
	var searchCss = null;	/* its rule colouring matches */
	var childPos;		/* a frame's position among #frames' children */
	var parents = [];	/* frames given class "parent" */
	var matches = [];	/* frames given class "match" */
	var searchTerm = "";
	var ignoreCase = false;
	var searchBox = null;

	function attr(el, name) {
		var v = el.getAttribute(name);
		return v === null ? "" : v;
	}

	function num(el, name, dflt) {
		var v = parseFloat(el.getAttribute(name));
		return isFinite(v) ? v : dflt;
	}

	/* Parse every frame's numbers once. */
	function parse() {
		if (els)
			return;
		var list = framesG ? framesG.children : [];
		var n = list.length, i, g, r, t;
		els = new Array(n);
		X = new Float64Array(n);
		W = new Float64Array(n);
		D = new Int32Array(n);
		rects = new Array(n);
		texts = new Array(n);
		moved = new Uint8Array(n);
		childPos = new Int32Array(n);
		rectX0 = new Float64Array(n);
		rectW0 = new Float64Array(n);
		rectX = new Float64Array(n);
		rectW = new Float64Array(n);
		textX0 = new Float64Array(n);
		label0 = new Array(n);
		labels = new Array(n);
		names = new Array(n);
		index = new Map();
		var k = 0;
		for (i = 0; i < n; i++) {
			g = list[i];
			if (g.getAttribute("class") === null ||
			    !g.classList.contains("f"))
				continue;
			r = g.querySelector("rect");
			t = g.querySelector("text");
			els[k] = g;
			childPos[k] = i + 1;
			rects[k] = r;
			texts[k] = t;
			X[k] = num(g, "data-x", 0);
			W[k] = num(g, "data-w", 0);
			D[k] = num(g, "data-d", 0);
			rectX0[k] = r ? num(r, "x", 0) : 0;
			rectW0[k] = r ? num(r, "width", 0) : 0;
			rectX[k] = rectX0[k];
			rectW[k] = rectW0[k];
			textX0[k] = t ? num(t, "x", 0) : 0;
			label0[k] = t ? t.textContent : "";
			labels[k] = label0[k];
			index.set(g, k);
			k++;
		}
		if (k !== n) {
			els.length = k;
			X = X.subarray(0, k);
			W = W.subarray(0, k);
			D = D.subarray(0, k);
		}
		/* The spacing between a frame's count width and its rect, and
		 * between the rect and its label, from the widest frame. */
		var widest = -1;
		for (i = 0; i < k; i++)
			if (widest < 0 || W[i] > W[widest])
				widest = i;
		if (widest >= 0 && total > 0) {
			gap = W[widest] / total * width - rectW0[widest];
			if (!(gap >= 0 && gap < 10))
				gap = 0;
			textdx = textX0[widest] - rectX0[widest];
		}
	}

	function frameOf(node) {
		while (node && node !== framesG) {
			if (node.nodeType === 1 && node.classList &&
			    node.classList.contains("f"))
				return node;
			node = node.parentNode;
		}
		return null;
	}

	function idx(g) {
		parse();
		var i = index.get(g);
		return i === undefined ? -1 : i;
	}

	function nameOf(i) {
		var n = names[i];
		if (n !== undefined)
			return n;
		var t = els[i].querySelector("title");
		var s = t ? t.textContent : "";
		var p = s.lastIndexOf(" (");
		n = p >= 0 ? s.slice(0, p) : s;
		names[i] = n;
		return n;
	}

	/* "1234567.5" -> "1,234,567.5", keeping the exact digits. */
	function group(s) {
		var m = /^(-?)(\d+)(.*)$/.exec(s);
		if (!m)
			return s;
		return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + m[3];
	}

	function pct(a, b) {
		if (!(b > 0))
			return "0%";
		return (100 * a / b).toFixed(2) + "%";
	}

	/* A difference of two exact decimals, shown with no more decimal
	 * places than the inputs have. */
	function delta(bs, as) {
		var places = 0;
		[bs, as].forEach(function (s) {
			var p = s.indexOf(".");
			if (p >= 0)
				places = Math.max(places, s.length - p - 1);
		});
		var d = parseFloat(as) - parseFloat(bs);
		var txt = d.toFixed(Math.min(places, 20));
		if (places > 0)
			txt = txt.replace(/\.?0+$/, "");
		return (d > 0 ? "+" : "") + group(txt);
	}

	function setText(el, s) {
		if (el)
			el.textContent = s;
	}

	function describe(i) {
		var g = els[i];
		var w = attr(g, "data-w");
		var self = attr(g, "data-self");
		var s = (nametype ? nametype + " " : "") + nameOf(i) + " (" +
		    group(w) + " " + unit + ", " + pct(W[i], total);
		if (zoomed >= 0)
			s += ", " + pct(W[i], W[zoomed]) + " of zoom";
		if (self !== "")
			s += ", self " + group(self);
		if (g.hasAttribute("data-b")) {
			var b = attr(g, "data-b"), a = attr(g, "data-a");
			var bn = parseFloat(b), an = parseFloat(a);
			s += "; before " + group(b) + ", after " + group(a) +
			    ", " + delta(b, a);
			if (bn > 0)
				s += " / " + (an >= bn ? "+" : "") +
				    (100 * (an - bn) / bn).toFixed(2) + "%";
			else if (an > 0)
				s += " / new";
		}
		return s + ")";
	}

	function showDetails(g) {
		var i = idx(g);
		if (i >= 0)
			setText(details, describe(i));
	}

	function clearDetails() {
		setText(details, " ");
	}

	/* A label for NAME in PX pixels: whole, or cut with ".." at the end
	 * the document asks for, never between the halves of a surrogate
	 * pair; empty when fewer than 3 characters fit. */
	function fit(name, px) {
		var chars = Math.floor((px - textdx) / charw);
		if (name.length <= chars)
			return name;
		if (chars < 3)
			return "";
		var k = chars - 2, c;
		if (truncLeft) {
			var start = name.length - k;
			c = name.charCodeAt(start);
			if (c >= 0xdc00 && c <= 0xdfff)
				start++;
			return ".." + name.slice(start);
		}
		c = name.charCodeAt(k - 1);
		if (c >= 0xd800 && c <= 0xdbff)
			k--;
		return name.slice(0, k) + "..";
	}

	/* The average width of a label's character: fontsize * fontwidth,
	 * unless the browser draws the font narrower or wider; then what it
	 * draws, measured once (before the first zoom writes anything, so
	 * no layout is forced twice) on the five longest labels, plus 5%
	 * for names with wider letters than those. */
	function calibrate() {
		if (charw > 0)
			return;
		charw = fontsize * fontwidth;
		var best = [], i, j;
		for (i = 0; i < els.length; i++) {
			if (label0[i].length < 8)
				continue;
			best.push(i);
			if (best.length > 5) {
				best.sort(function (a, b) {
					return label0[b].length - label0[a].length;
				});
				best.pop();
			}
		}
		var px = 0, n = 0;
		for (j = 0; j < best.length; j++) {
			var t = texts[best[j]];
			var w = t && t.getComputedTextLength ?
			    t.getComputedTextLength() : 0;
			if (w > 0) {
				px += w;
				n += label0[best[j]].length;
			}
		}
		var m = n > 0 ? 1.05 * px / n : 0;
		if (m > 0.3 * fontsize && m < 1.2 * fontsize)
			charw = m;
	}

	/* Place frame i at pixel x with count-width w (pixels). Text is
	 * what costs most to lay out: a label empty before and after is not
	 * touched at all, not even moved. */
	function place(i, px, pw) {
		var r = rects[i], t = texts[i];
		var rw = Math.max(0, pw - gap);
		/* A rect that moves less than 1/20 px (a zoom into a frame as
		 * wide as the root) is not written, so not restyled. */
		if (r && (Math.abs(px - rectX[i]) >= 0.05 ||
		    Math.abs(rw - rectW[i]) >= 0.05)) {
			r.setAttribute("x", px.toFixed(2));
			r.setAttribute("width", rw.toFixed(2));
			rectX[i] = px;
			rectW[i] = rw;
		}
		if (!t)
			return;
		var l = rw - textdx < charw && labels[i] === "" ?
		    "" : fit(nameOf(i), rw);
		if (l !== "") {
			t.setAttribute("x", (px + textdx).toFixed(2));
			moved[i] = 1;
		}
		if (l !== labels[i]) {
			t.textContent = l;
			labels[i] = l;
		}
	}

	function restore(i) {
		var r = rects[i], t = texts[i];
		if (r && (rectX[i] !== rectX0[i] || rectW[i] !== rectW0[i])) {
			r.setAttribute("x", String(rectX0[i]));
			r.setAttribute("width", String(rectW0[i]));
			rectX[i] = rectX0[i];
			rectW[i] = rectW0[i];
		}
		if (!t)
			return;
		if (moved[i]) {
			t.setAttribute("x", String(textX0[i]));
			moved[i] = 0;
		}
		if (labels[i] !== label0[i]) {
			t.textContent = label0[i];
			labels[i] = label0[i];
		}
	}

	function unzoomFrames() {
		var i;
		for (i = 0; i < inZoom.length; i++) {
			if (byClass)
				els[inZoom[i]].classList.remove("z");
			restore(inZoom[i]);
		}
		byClass = false;
		for (i = 0; i < parents.length; i++) {
			els[parents[i]].classList.remove("parent");
			restore(parents[i]);
		}
		inZoom = [];
		parents = [];
		if (framesG)
			framesG.classList.remove("zoomed", "byclass");
		zoomed = -1;
	}

	function zoom(i) {
		parse();
		if (i < 0 || i >= els.length)
			return;
		if (D[i] === 0 && W[i] >= total) {
			resetZoom();
			return;
		}
		calibrate();
		unzoomFrames();
		var x0 = X[i], w0 = W[i], d0 = D[i];
		var eps = Math.max(total, 1) * 1e-9;
		var x1 = x0 + w0;
		var scale = width / w0;
		var n = els.length, j;
		for (j = 0; j < n; j++) {
			var xj = X[j], ej = X[j] + W[j];
			if (D[j] >= d0) {
				if (xj >= x0 - eps && ej <= x1 + eps && W[j] > 0)
					inZoom.push(j);
			} else if (xj <= x0 + eps && ej >= x1 - eps) {
				parents.push(j);
			}
		}
		/* Frames are in pre-order, so the zoom's frames are a run of
		 * #frames' children: one :nth-child rule hides the rest, with no
		 * write to the frames left out. Otherwise each frame in the
		 * zoom gets class "z" and the style sheet hides the others. */
		var m = inZoom.length;
		byClass = !(m > 0 && inZoom[0] === i &&
		    childPos[inZoom[m - 1]] - childPos[i] + 1 === m);
		setRules(byClass ? "" :
		    "#frames.zoomed > g.f:not(.parent):not(:nth-child(n+" +
		    childPos[i] + "):nth-child(-n+" + childPos[inZoom[m - 1]] +
		    ")) { display: none; }\n", searchCss);
		/* Writes only, no reads: one style and layout pass after. */
		for (j = 0; j < m; j++) {
			var k = inZoom[j];
			if (byClass)
				els[k].classList.add("z");
			place(k, xpad + (X[k] - x0) * scale, W[k] * scale);
		}
		for (j = 0; j < parents.length; j++) {
			els[parents[j]].classList.add("parent");
			place(parents[j], xpad, width);
		}
		framesG.classList.add("zoomed");
		if (byClass)
			framesG.classList.add("byclass");
		zoomed = i;
		if (unzoomEl)
			unzoomEl.classList.remove("hide");
		updateURL();
		if (searchTerm)
			showMatched();
	}

	function resetZoom() {
		parse();
		unzoomFrames();
		if (unzoomEl)
			unzoomEl.classList.add("hide");
		updateURL();
		if (searchTerm)
			showMatched();
	}

	/* The width of the union of the matches' ranges, each clipped to
	 * [lo, hi): a match inside another match's range counts once, and
	 * a match that contains the zoomed frame counts as all of it.
	 * Frames are in pre-order, so their x never decreases; sorted by x
	 * (ties: wider first) otherwise. */
	function matchedWidth(lo, hi) {
		var order = matches.slice();
		var i;
		for (i = 1; i < order.length; i++)
			if (X[order[i]] < X[order[i - 1]]) {
				order.sort(function (a, b) {
					return X[a] - X[b] || W[b] - W[a];
				});
				break;
			}
		var eps = Math.max(total, 1) * 1e-9;
		var sum = 0, end = -Infinity;
		for (i = 0; i < order.length; i++) {
			var k = order[i];
			var a = Math.max(X[k], lo), b = Math.min(X[k] + W[k], hi);
			if (b - a <= eps || b <= end + eps)
				continue;
			a = Math.max(a, end);
			sum += b - a;
			end = b;
		}
		return sum;
	}

	function showMatched() {
		if (!matchedEl)
			return;
		if (!searchTerm) {
			setText(matchedEl, " ");
			return;
		}
		var s = "Matched: " + pct(matchedWidth(-Infinity, Infinity), total);
		if (zoomed >= 0)
			s += " (" + pct(matchedWidth(X[zoomed], X[zoomed] + W[zoomed]),
			    W[zoomed]) + " of zoom)";
		setText(matchedEl, s);
	}

	function clearMatches() {
		for (var i = 0; i < matches.length; i++)
			els[matches[i]].classList.remove("match");
		matches = [];
	}

	/* The script's style rules, in a <style> element of its own made
	 * on first use. Nothing here runs at load: a style sheet added or a
	 * custom property set on the root then would restyle every frame a
	 * second time. */
	function setRules(zoom, search) {
		if (zoom === zoomCss && search === searchCss)
			return;
		zoomCss = zoom;
		searchCss = search;
		if (!dynStyle) {
			dynStyle = document.createElementNS(SVGNS, "style");
			svg.appendChild(dynStyle);
		}
		dynStyle.textContent = zoomCss + (searchCss || "");
	}

	/* The match colour, from data-search-color (CSS colour characters
	 * only), as a rule; null for the style sheet's default. */
	function searchRule() {
		var c = attr(svg, "data-search-color");
		if (!/^[#a-zA-Z0-9(),.% ]+$/.test(c))
			return null;
		return "#frames g.f.match > rect { fill: " + c + "; }\n";
	}

	/* Highlight every frame whose name matches TERM; returns false if
	 * TERM is not a valid regular expression. */
	function search(term) {
		parse();
		var re = null;
		if (term) {
			try {
				re = new RegExp(term, ignoreCase ? "i" : "");
			} catch (e) {
				return false;
			}
		}
		clearMatches();
		searchTerm = term || "";
		if (re) {
			var n = els.length;
			for (var i = 0; i < n; i++)
				if (re.test(nameOf(i)))
					matches.push(i);
			if (matches.length && searchCss === null)
				setRules(zoomCss, searchRule());
			for (var j = 0; j < matches.length; j++)
				els[matches[j]].classList.add("match");
		}
		if (searchEl)
			searchEl.classList.toggle("on", !!searchTerm);
		showMatched();
		updateURL();
		return true;
	}

	function resetSearch() {
		closeSearchBox();
		search("");
	}

	function toggleCase() {
		ignoreCase = !ignoreCase;
		if (icEl)
			icEl.classList.toggle("on", ignoreCase);
		if (searchTerm)
			search(searchTerm);
	}

	/* The search field: an HTML input in a foreignObject next to the
	 * Search button (no window.prompt()). */
	function openSearchBox() {
		parse();
		if (searchBox) {
			searchBox.input.focus();
			searchBox.input.select();
			return;
		}
		var fo = document.createElementNS(SVGNS, "foreignObject");
		var input = document.createElementNS(XHTMLNS, "input");
		if (!input || typeof input.focus !== "function") {
			var t = window.prompt("Search (regular expression)",
			    searchTerm);
			if (t !== null)
				search(t);
			return;
		}
		var bw = Math.min(320, width / 2);
		var y = 4, h = fontsize * 1.7;
		if (searchEl) {
			var sy = num(searchEl, "y", fontsize * 2);
			y = Math.max(0, sy - fontsize * 1.3);
		}
		fo.setAttribute("class", "fg-searchbox");
		fo.setAttribute("x", String(xpad + width - bw));
		fo.setAttribute("y", String(y + fontsize * 1.6));
		fo.setAttribute("width", String(bw));
		fo.setAttribute("height", String(h));
		input.setAttribute("type", "text");
		input.setAttribute("placeholder",
		    "regular expression, Enter to search, Esc to close");
		input.setAttribute("aria-label", "Search frames");
		input.value = searchTerm;
		fo.appendChild(input);
		svg.appendChild(fo);
		searchBox = { fo: fo, input: input };
		var timer = 0;
		input.addEventListener("input", function () {
			clearTimeout(timer);
			timer = setTimeout(function () {
				try {
					new RegExp(input.value);
					input.classList.remove("bad");
				} catch (e) {
					input.classList.add("bad");
				}
			}, 100);
		});
		input.addEventListener("keydown", function (e) {
			if (e.key === "Enter") {
				e.preventDefault();
				if (search(input.value)) {
					input.classList.remove("bad");
					closeSearchBox();
				} else {
					input.classList.add("bad");
				}
			} else if (e.key === "Escape") {
				e.preventDefault();
				e.stopPropagation();
				closeSearchBox();
			}
			e.stopPropagation();
		});
		input.focus();
		input.select();
	}

	function closeSearchBox() {
		if (!searchBox)
			return;
		var fo = searchBox.fo;
		searchBox = null;
		if (fo.parentNode)
			fo.parentNode.removeChild(fo);
	}

	/* ?x=&y=&s= in the URL, rewritten in place (no history entries). */
	function updateURL() {
		if (!window.history || !history.replaceState)
			return;
		var params;
		try {
			params = new URLSearchParams(location.search);
		} catch (e) {
			return;
		}
		if (zoomed >= 0) {
			params.set("x", attr(els[zoomed], "data-x"));
			params.set("y", String(D[zoomed]));
		} else {
			params.delete("x");
			params.delete("y");
		}
		if (searchTerm)
			params.set("s", searchTerm);
		else
			params.delete("s");
		var q = params.toString();
		try {
			history.replaceState(history.state,
			    "", location.pathname + (q ? "?" + q : "") +
			    location.hash);
		} catch (e) {
			/* Some viewers forbid it; the state just isn't kept. */
		}
	}

	function restoreURL() {
		var params;
		try {
			params = new URLSearchParams(location.search);
		} catch (e) {
			return false;
		}
		var used = false;
		if (params.has("x") && params.has("y")) {
			parse();
			var x = parseFloat(params.get("x"));
			var y = parseInt(params.get("y"), 10);
			var eps = Math.max(total, 1) * 1e-9;
			for (var i = 0; i < els.length; i++)
				if (D[i] === y && Math.abs(X[i] - x) <= eps) {
					zoom(i);
					used = true;
					break;
				}
		}
		if (params.has("s")) {
			search(params.get("s"));
			used = true;
		}
		return used;
	}

	/* The name of frame i, and its stack from the root's child down. */
	function stackOf(i) {
		var out = [nameOf(i)];
		var d = D[i];
		for (var j = i - 1; j >= 0 && d > 1; j--)
			if (D[j] === d - 1 && X[j] <= X[i] && X[j] + W[j] >= X[i] + W[i]) {
				out.push(nameOf(j));
				d--;
			}
		return out.reverse().join(";");
	}

	function copy(text, what) {
		var done = function () {
			setText(details, "Copied " + what + ": " + text);
		};
		var fallback = function () {
			var ta = document.createElementNS(XHTMLNS, "textarea");
			var fo = document.createElementNS(SVGNS, "foreignObject");
			fo.setAttribute("width", "1");
			fo.setAttribute("height", "1");
			ta.value = text;
			fo.appendChild(ta);
			svg.appendChild(fo);
			ta.select();
			var ok = false;
			try {
				ok = document.execCommand("copy");
			} catch (e) {
				ok = false;
			}
			svg.removeChild(fo);
			if (ok)
				done();
			else
				setText(details, "Could not copy: " + text);
		};
		if (navigator.clipboard && navigator.clipboard.writeText)
			navigator.clipboard.writeText(text).then(done, fallback);
		else
			fallback();
	}

	/* Arrow keys move the focus: up to the parent (down in an inverted
	 * graph), down to the first child, left and right to the neighbours
	 * at the same depth. */
	function move(i, key) {
		var inverted = svg.classList.contains("inverted");
		var up = inverted ? "ArrowDown" : "ArrowUp";
		var n = els.length, j, target = -1;
		var visible = function (k) {
			if (zoomed < 0 || els[k].classList.contains("parent"))
				return true;
			return D[k] >= D[zoomed] && X[k] >= X[zoomed] &&
			    X[k] + W[k] <= X[zoomed] + W[zoomed] * (1 + 1e-9);
		};
		if (key === up) {
			for (j = i - 1; j >= 0; j--)
				if (D[j] === D[i] - 1) {
					target = j;
					break;
				}
		} else if (key === "ArrowUp" || key === "ArrowDown") {
			if (i + 1 < n && D[i + 1] === D[i] + 1)
				target = i + 1;
		} else if (key === "ArrowLeft") {
			for (j = i - 1; j >= 0 && D[j] >= D[i]; j--)
				if (D[j] === D[i] && visible(j)) {
					target = j;
					break;
				}
		} else if (key === "ArrowRight") {
			for (j = i + 1; j < n && D[j] >= D[i]; j++)
				if (D[j] === D[i] && visible(j)) {
					target = j;
					break;
				}
		}
		if (target >= 0 && visible(target))
			els[target].focus();
	}

	function onKey(e) {
		var t = e.target;
		if (t && t.namespaceURI === XHTMLNS)
			return;
		var ctrl = e.ctrlKey || e.metaKey;
		if ((ctrl && (e.key === "f" || e.key === "F")) ||
		    e.key === "F3" || (e.key === "/" && !ctrl)) {
			e.preventDefault();
			openSearchBox();
			return;
		}
		if (ctrl && (e.key === "i" || e.key === "I")) {
			e.preventDefault();
			toggleCase();
			return;
		}
		if (e.key === "Escape") {
			resetZoom();
			resetSearch();
			return;
		}
		var g = frameOf(t);
		if (!g)
			return;
		var i = idx(g);
		if (i < 0 || ctrl || e.altKey)
			return;
		if (e.key === "Enter" || e.key === " ") {
			e.preventDefault();
			zoom(i);
			g.focus();
			showDetails(g);
		} else if (e.key === "c") {
			copy(nameOf(i), "name");
		} else if (e.key === "C") {
			copy(stackOf(i), "stack");
		} else if (e.key.indexOf("Arrow") === 0) {
			e.preventDefault();
			move(i, e.key);
		}
	}

	function button(el, fn) {
		if (!el)
			return;
		el.addEventListener("click", fn);
		el.addEventListener("keydown", function (e) {
			if (e.key === "Enter" || e.key === " ") {
				e.preventDefault();
				e.stopPropagation();
				fn();
			}
		});
		if (!el.hasAttribute("tabindex"))
			el.setAttribute("tabindex", "0");
	}

	function init() {
		svg = document.querySelector("svg.flamegraph") ||
		    document.documentElement;
		framesG = document.getElementById("frames");
		details = document.getElementById("details");
		matchedEl = document.getElementById("matched");
		unzoomEl = document.getElementById("unzoom");
		searchEl = document.getElementById("search");
		icEl = document.getElementById("ignorecase");
		total = num(svg, "data-total", 0);
		unit = attr(svg, "data-unit") || "samples";
		nametype = attr(svg, "data-nametype");
		fontsize = num(svg, "data-fontsize", 12);
		fontwidth = num(svg, "data-fontwidth", 0.59);
		xpad = num(svg, "data-xpad", 10);
		var vb = svg.viewBox && svg.viewBox.baseVal;
		var full = vb && vb.width > 0 ? vb.width : num(svg, "width", 1200);
		width = full - 2 * xpad;
		truncLeft = attr(svg, "data-truncate") !== "right";
		if (!framesG)
			return;
		svg.classList.add("js");

		framesG.addEventListener("mouseover", function (e) {
			var g = frameOf(e.target);
			if (g)
				showDetails(g);
		});
		framesG.addEventListener("mouseout", function (e) {
			if (frameOf(e.target) && !frameOf(e.relatedTarget))
				clearDetails();
		});
		framesG.addEventListener("focusin", function (e) {
			var g = frameOf(e.target);
			if (g)
				showDetails(g);
		});
		framesG.addEventListener("click", function (e) {
			var g = frameOf(e.target);
			if (!g)
				return;
			var i = idx(g);
			if (i < 0)
				return;
			if (e.ctrlKey || e.metaKey) {
				copy(nameOf(i), "name");
				return;
			}
			zoom(i);
			showDetails(g);
		});
		button(unzoomEl, resetZoom);
		button(searchEl, openSearchBox);
		button(icEl, toggleCase);
		document.addEventListener("keydown", onKey);

		if (!restoreURL()) {
			var preset = attr(svg, "data-search");
			if (preset)
				search(preset);
		}
		/* Parse the numbers when the browser is idle after the load
		 * (and its first paint), so the first click is quick and the
		 * load is not slowed. */
		var later = function () {
			if (window.requestIdleCallback)
				requestIdleCallback(parse, { timeout: 2000 });
			else
				setTimeout(parse, 100);
		};
		if (document.readyState === "complete")
			later();
		else
			window.addEventListener("load", later);

		window.flamegraph = {
			zoom: function (g) {
				zoom(typeof g === "number" ? g : idx(g));
			},
			resetZoom: resetZoom,
			search: search,
			resetSearch: resetSearch,
			toggleCase: toggleCase,
			stack: function (g) {
				return stackOf(idx(g));
			},
			count: function () {
				parse();
				return els.length;
			}
		};
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", init);
	else
		init();
})();
