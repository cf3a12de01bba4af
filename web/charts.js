// charts.js - the page's charts, drawn by uPlot (web/vendor, loaded as the
// global uPlot by index.html). Times on the x axis are UTC and the axis says
// so; every y axis names its unit. Each chart comes in a <figure> with a
// caption and the numbers behind it in a table for those who cannot see it.

import { h, table, utc, bytes, num } from "./dom.js";

const UTC = ts => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
const COLORS = { bytes: "#1f5fa8", flows: "#c0392b", count: "#2e7d32" };

// Tick labels in UTC, 24 h: "10:30", with the date under the first tick and
// wherever the day changes; daily charts show dates only.
function isoOf(s) {
	return new Date(s * 1000).toISOString();
}

function timeTicks(u, splits) {
	return splits.map((s, i) => {
		if (s === null || s === undefined)
			return "";
		const d = isoOf(s), day = d.slice(0, 10), hm = d.slice(11, 16);
		const newDay = i === 0 || isoOf(splits[i - 1]).slice(0, 10) !== day;
		return newDay ? hm + "\n" + day : hm;
	});
}

function dayTicks(u, splits) {
	return splits.map((s, i) => {
		if (s === null || s === undefined)
			return "";
		const day = isoOf(s).slice(0, 10);
		return i === 0 || isoOf(splits[i - 1]).slice(0, 4) !== day.slice(0, 4) ? day : day.slice(5);
	});
}

function width(el) {
	return Math.max(320, Math.min(1100, (el && el.clientWidth) || 900) - 8);
}

// Shade [from, to] (seconds) behind the series: the incident's own time.
function bandPlugin(band) {
	return {
		hooks: {
			drawClear: u => {
				if (!band)
					return;
				const x0 = u.valToPos(band[0], "x", true), x1 = u.valToPos(band[1], "x", true);
				const { top, height } = u.bbox;
				u.ctx.save();
				u.ctx.fillStyle = "rgba(255, 193, 7, 0.18)";
				u.ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
				u.ctx.restore();
			},
		},
	};
}

function figure(title, body, dataTable) {
	return h("figure", { class: "chart" },
		h("figcaption", null, title),
		body,
		dataTable ? h("details", null, h("summary", null, "the numbers"), dataTable) : null);
}

function mount(holder, opts, data) {
	// uPlot needs the element in the document to measure it.
	requestAnimationFrame(() => {
		opts.width = width(holder.parentElement);
		const u = new uPlot(opts, data, holder);
		// follow the window's width; stop once the chart has left the page
		const ro = new ResizeObserver(() => {
			if (!holder.isConnected) {
				ro.disconnect();
				u.destroy();
				return;
			}
			const w = width(holder.parentElement);
			if (Math.abs(w - u.width) > 8)
				u.setSize({ width: w, height: opts.height });
		});
		ro.observe(holder.parentElement);
	});
}

// The traffic of a host: series = {step, from, to, points: [[t_ms, bytes, packets, flows], ...]}.
// band: optional [from_ms, to_ms] to shade (the incident's first..last seen).
export function trafficChart(title, series, band) {
	const pts = (series && series.points) || [];
	const step = (series && series.step) || 60;
	if (!pts.some(p => p[3] > 0))
		return figure(title, h("p", { class: "msg status", role: "status" },
			"No flows of this host are stored between " + utc(series && series.from) + " and " + utc(series && series.to) + "."));
	const x = pts.map(p => p[0] / 1000);
	const bps = pts.map(p => p[1] / step);
	const flows = pts.map(p => p[3]);
	const holder = h("div", { class: "plot", role: "img",
		"aria-label": title + ": bytes per second and flows per " + step + " s, UTC" });
	const opts = {
		height: 280,
		tzDate: UTC,
		plugins: [bandPlugin(band && [band[0] / 1000, band[1] / 1000])],
		scales: { x: { time: true }, bytes: { auto: true }, flows: { auto: true } },
		series: [
			{ label: "time (UTC)", value: (u, v) => v === null ? "-" : utc(v * 1000) },
			{ label: "bytes/s", scale: "bytes", stroke: COLORS.bytes, width: 2,
				value: (u, v) => v === null ? "-" : bytes(Math.round(v)) + "/s" },
			// flows as bars under the bytes line, so the two stay apart where they have one shape
			{ label: "flows per " + step + " s", scale: "flows", stroke: COLORS.flows, width: 1,
				fill: "rgba(192, 57, 43, 0.25)", paths: uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.9, 30] }) : undefined,
				points: { show: false }, value: (u, v) => v === null ? "-" : num(v) },
		],
		axes: [
			{ label: "time (UTC)", labelSize: 20, values: timeTicks, space: 60 },
			{ scale: "bytes", label: "bytes/s", labelSize: 20, size: 70, values: (u, vs) => vs.map(v => bytes(v) + "/s") },
			{ scale: "flows", side: 1, label: "flows per " + step + " s", labelSize: 20, size: 60, grid: { show: false } },
		],
	};
	mount(holder, opts, [x, bps, flows]);
	const rows = pts.filter(p => p[3] > 0);
	const tbl = table("non-empty " + step + " s bins (UTC)", [
		{ label: "bin start (UTC)", cell: p => utc(p[0]) },
		{ label: "bytes", cell: p => num(p[1]), num: true },
		{ label: "packets", cell: p => num(p[2]), num: true },
		{ label: "flows", cell: p => num(p[3]), num: true },
	], rows);
	return figure(title, holder, tbl);
}

// Counts by day: days = [[day_ms, count], ...] (days without any may be left
// out), drawn as bars over range [from_ms, to_ms] with every day in it shown.
export function dailyChart(title, days, range, unit = "incidents") {
	const DAY = 86400e3;
	const counts = new Map((days || []).map(d => [Math.floor(d[0] / DAY) * DAY, d[1]]));
	let lo = range && Number.isFinite(range[0]) ? range[0] : Math.min(...counts.keys());
	let hi = range && Number.isFinite(range[1]) ? range[1] : Math.max(...counts.keys()) + DAY;
	if (!counts.size || !Number.isFinite(lo) || !Number.isFinite(hi))
		return figure(title, h("p", { class: "msg status", role: "status" }, "No " + unit + " in this range."));
	lo = Math.floor(lo / DAY) * DAY;
	const all = [];
	for (let t = lo; t < hi && all.length < 400; t += DAY)
		all.push([t, counts.get(t) || 0]);
	const holder = h("div", { class: "plot", role: "img", "aria-label": title + ": " + unit + " per day, UTC days" });
	const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
	const opts = {
		height: 240,
		tzDate: UTC,
		scales: {
			x: { time: true, range: () => [lo / 1000 - 43200, all[all.length - 1][0] / 1000 + 86400 + 21600] },
			y: { range: (u, mn, mx) => [0, Math.max(1, mx)] },
		},
		series: [
			{ label: "day (UTC)", value: (u, v) => v === null ? "-" : utc(v * 1000).slice(0, 10) },
			{ label: unit + " per day", stroke: COLORS.count, fill: "rgba(46, 125, 50, 0.35)", width: 1, paths: bars,
				points: { show: !bars } },
		],
		axes: [
			{ label: "day (UTC)", labelSize: 20, values: dayTicks, space: 50 },
			{ label: unit + " per day", labelSize: 20, size: 60, values: (u, vs) => vs.map(v => Number.isInteger(v) ? String(v) : "") },
		],
	};
	mount(holder, opts, [all.map(d => d[0] / 1000 + 43200), all.map(d => d[1])]);
	const tbl = table(null, [
		{ label: "day (UTC)", cell: d => utc(d[0]).slice(0, 10) },
		{ label: unit, cell: d => num(d[1]), num: true },
	], all.filter(d => d[1] > 0));
	return figure(title, holder, tbl);
}
