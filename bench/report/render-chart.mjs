// Latency distributions as one self-contained SVG document (bench/results/latency.svg).
// GitHub shows a committed SVG through <img>, which ignores scripts, web fonts and style sheets,
// so everything here is an inline attribute. The output depends on the input alone, byte for
// byte, so re-rendering unchanged results leaves the committed file unchanged.
import { summarize } from "../statistics.mjs";

const WIDTH = 900;
const MARGIN = 24;
const VALUE_COLUMN = 76; // room for "0.862 µs" at 12 px
const ROW_HEIGHT = 28;
const BOX_HEIGHT = 12;
const JITTER = 9; // dots spread up to 9 px above and below the row's centre line
const PANEL_GAP = 32;
const FONT = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif";
const INK = "#1f2328";
const MUTED = "#656d76";
const AXIS = "#8c959f";
const GRID = "#e3e6ea";
const MINOR_GRID = "#f1f3f5";
const QUARTILES_AND_WHISKERS = [0.05, 0.25, 0.75, 0.95];
const DENSE_MANTISSAS = [1, 1.5, 2, 3, 4, 5, 7];
const LINEAR_STEPS = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10];

// Colour families, matched on the series name: a subject keeps its colour in every panel, and
// variants of one subject ("samkit fork", "samkit native") share a hue in different tones.
const FAMILIES = [
  { pattern: /libsam/i, tones: ["#5b7186", "#8ea2b5", "#3d4f60"] },
  { pattern: /samkit/i, tones: ["#1f5bd6", "#0d3a8c", "#5e9bf5", "#3f7be8"] },
  { pattern: /pm2/i, tones: ["#d1362f", "#e57373"] },
  { pattern: /naive/i, tones: ["#ef8a17", "#f5b561"] },
  { pattern: /bare/i, tones: ["#2f9e44", "#69c37b"] },
  { pattern: /(?:)/, tones: ["#8e44ad", "#00897b", "#8d6e63", "#d63384"] },
];

/**
 * Renders `panels` (stacked vertically) as an SVG document string.
 * @param {Array<{ title: string, unit: string, scale: "log" | "linear",
 *   series: Array<{ name: string, samples: number[] }> }>} panels
 * @param {{ title?: string, subtitle?: string }} [options]
 */
export function renderChart(panels, { title = "", subtitle = "" } = {}) {
  const colours = assignColours(panels);
  const names = panels.flatMap((panel) => panel.series.map((series) => series.name));
  // One label column for every panel, so the plots line up under each other. Without font
  // metrics, 0.6 em a character is a generous estimate of a 12 px name's width.
  const labelColumn = Math.min(300, Math.max(80, 12 * 0.6 * Math.max(0, ...names.map((name) => name.length)) + 14));
  const layout = { left: MARGIN + labelColumn, right: WIDTH - MARGIN - VALUE_COLUMN };
  const parts = [];
  let y = MARGIN;
  if (title) parts.push(text(MARGIN, (y += 18), title, { size: 18, weight: 600 }));
  if (subtitle) parts.push(text(MARGIN, (y += 22), subtitle, { size: 13, fill: MUTED }));
  y += 36;
  for (const panel of panels) {
    const { markup, height } = renderPanel(panel, y, layout, colours);
    parts.push(markup);
    y += height + PANEL_GAP;
  }
  const legend = "box: 25th to 75th percentile · bar: median · whiskers: 5th to 95th percentile · dots: every sample";
  parts.push(text(MARGIN, y, legend, { size: 11, fill: MUTED }));
  const height = Math.ceil(y + 14);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    ...(title ? [`<title>${escapeXml(title)}</title>`] : []),
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

/** One panel at `top`: title, grid and axis, one row per series. Returns its markup and height. */
function renderPanel(panel, top, layout, colours) {
  checkSamples(panel);
  const values = panel.series.flatMap((series) => series.samples);
  const scale = panel.scale === "log" ? logScale(values, layout) : linearScale(values, layout);
  const rowsTop = top + 14;
  const rowsBottom = rowsTop + Math.max(1, panel.series.length) * ROW_HEIGHT;
  const axisLabel = `latency (${panel.unit}${panel.scale === "log" ? ", log scale" : ""})`;
  const parts = [
    text(MARGIN, top, panel.title, { size: 14, weight: 600 }),
    text(layout.right + 10, top, "median", { size: 11, fill: MUTED }),
    renderAxis(scale, rowsTop, rowsBottom, layout, axisLabel),
    ...panel.series.map((series, index) =>
      renderRow(series, rowsTop + (index + 0.5) * ROW_HEIGHT, scale, layout, colours.get(series.name), panel.unit)),
  ];
  return { markup: parts.join("\n"), height: rowsBottom + 36 - top };
}

/** Grid lines across the rows, then the axis line, tick labels and axis label below them. */
function renderAxis(scale, rowsTop, rowsBottom, { left, right }, label) {
  const parts = scale.grid.map((value) => {
    const x = coordinate(scale.position(value));
    const stroke = scale.labels.includes(value) ? GRID : MINOR_GRID;
    return `<line x1="${x}" y1="${rowsTop}" x2="${x}" y2="${rowsBottom}" stroke="${stroke}"/>`;
  });
  parts.push(`<line x1="${left}" y1="${rowsBottom}" x2="${right}" y2="${rowsBottom}" stroke="${AXIS}"/>`);
  for (const value of scale.labels) {
    const x = coordinate(scale.position(value));
    parts.push(`<line x1="${x}" y1="${rowsBottom}" x2="${x}" y2="${rowsBottom + 4}" stroke="${AXIS}"/>`);
    parts.push(text(x, rowsBottom + 16, String(clean(value)), { size: 11, fill: MUTED, anchor: "middle" }));
  }
  parts.push(text((left + right) / 2, rowsBottom + 32, label, { size: 12, fill: MUTED, anchor: "middle" }));
  return parts.join("\n");
}

/** One series: name, whiskers, box, every sample as a dot, median bar, median as text. */
function renderRow(series, centre, scale, { left, right }, colour, unit) {
  const parts = [text(left - 12, centre + 4, series.name, { anchor: "end" })];
  if (series.samples.length === 0) {
    parts.push(text(right + 10, centre + 4, "n/a", { fill: MUTED }));
    return parts.join("\n");
  }
  const sorted = [...series.samples].sort((a, b) => a - b);
  const [p5, p25, p75, p95] = QUARTILES_AND_WHISKERS.map((fraction) => percentile(sorted, fraction));
  // The tables' median (bench/statistics.mjs), so the bar and its label match them.
  const { median } = summarize(sorted);
  const [x5, x25, xMedian, x75, x95] = [p5, p25, median, p75, p95].map((value) => coordinate(scale.position(value)));
  const half = BOX_HEIGHT / 2;
  parts.push(
    `<g stroke="${colour}" stroke-width="1.5">`,
    `<line x1="${x5}" y1="${centre}" x2="${x95}" y2="${centre}"/>`,
    `<line x1="${x5}" y1="${centre - 4}" x2="${x5}" y2="${centre + 4}"/>`,
    `<line x1="${x95}" y1="${centre - 4}" x2="${x95}" y2="${centre + 4}"/>`,
    `<rect x="${x25}" y="${centre - half}" width="${coordinate(x75 - x25)}" height="${BOX_HEIGHT}" fill="${colour}" fill-opacity="0.15"/>`,
    "</g>",
    // Jitter from the sample's index (golden-ratio steps spread any count evenly), never from
    // Math.random, so the same data gives the same file.
    `<g fill="${colour}" fill-opacity="0.4">`,
    ...series.samples.map((value, index) =>
      `<circle cx="${coordinate(scale.position(value))}" cy="${coordinate(centre + ((index * 0.618034) % 1 - 0.5) * 2 * JITTER)}" r="2"/>`),
    "</g>",
    `<line x1="${xMedian}" y1="${centre - half - 2}" x2="${xMedian}" y2="${centre + half + 2}" stroke="${INK}" stroke-width="2"/>`,
    text(right + 10, centre + 4, `${formatMedian(median)} ${unit}`),
  );
  return parts.join("\n");
}

/** Fails early, naming the series, rather than drawing NaN coordinates or log(0). */
function checkSamples(panel) {
  for (const series of panel.series) {
    for (const value of series.samples) {
      if (Number.isFinite(value) && (panel.scale !== "log" || value > 0)) continue;
      throw new RangeError(`renderChart: panel "${panel.title}", series "${series.name}" has the sample ${value}; ` +
        "every sample must be a finite number, and above 0 on a log scale.");
    }
  }
}

/** A log scale ending on 1-2-5 values; decades only where 1-2-5 labels would collide. */
function logScale(values, { left, right }) {
  const [min, max] = values.length ? [Math.min(...values), Math.max(...values)] : [1, 10];
  let mantissas = [1, 2, 5];
  let [low, high] = logDomain(min, max, mantissas);
  // Within about one decade 1-2-5 leaves two or three ticks: use finer steps there.
  if (logTicks(low, high, mantissas).length < 4) {
    mantissas = DENSE_MANTISSAS;
    [low, high] = logDomain(min, max, mantissas);
  }
  const grid = logTicks(low, high, mantissas);
  const span = Math.log10(high / low);
  // "5" and "10" are 0.3 decades apart: below ~120 px per decade their labels would touch.
  const crowded = mantissas.length === 3 && (right - left) / span < 120;
  const labels = crowded ? grid.filter((value) => clean(10 ** Math.round(Math.log10(value))) === value) : grid;
  return { grid, labels, position: (value) => left + (Math.log10(value / low) / span) * (right - left) };
}

/** The nearest candidates at or outside [min, max]; one step further out if min = max. */
function logDomain(min, max, mantissas) {
  const candidates = logCandidates(min, max, mantissas);
  let lowIndex = candidates.findLastIndex((value) => value <= min);
  let highIndex = candidates.findIndex((value) => value >= max);
  if (lowIndex === highIndex) [lowIndex, highIndex] = [lowIndex - 1, highIndex + 1];
  return [candidates[lowIndex], candidates[highIndex]];
}

function logTicks(low, high, mantissas) {
  return logCandidates(low, high, mantissas).filter((value) => value >= low && value <= high);
}

/** mantissa × 10^exponent for every exponent around [min, max], ascending. */
function logCandidates(min, max, mantissas) {
  const candidates = [];
  for (let exponent = Math.floor(Math.log10(min)) - 1; exponent <= Math.ceil(Math.log10(max)) + 1; exponent++) {
    for (const mantissa of mantissas) candidates.push(clean(mantissa * 10 ** exponent));
  }
  return candidates;
}

/** A linear scale on 1, 2, 2.5 or 5 × 10^k steps: the finest that gives 5 to 8 ticks. */
function linearScale(values, { left, right }) {
  let [min, max] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  if (min === max) [min, max] = [min - (Math.abs(min) / 2 || 1), max + (Math.abs(max) / 2 || 1)];
  const magnitude = 10 ** Math.floor(Math.log10(max - min));
  const options = LINEAR_STEPS.map((factor) => {
    const step = clean(factor * magnitude);
    // The 1e-9 keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick.
    const low = clean(Math.floor(min / step + 1e-9) * step);
    const high = clean(Math.ceil(max / step - 1e-9) * step);
    return { step, low, high, count: Math.round((high - low) / step) + 1 };
  });
  const { step, low, high, count } = options.find((option) => option.count >= 5 && option.count <= 8) ??
    options.find((option) => option.count <= 8);
  const grid = Array.from({ length: count }, (_, index) => clean(low + index * step));
  return { grid, labels: grid, position: (value) => left + ((value - low) / (high - low)) * (right - left) };
}

/** Nearest rank, as bench/statistics.mjs computes the p95, so the whiskers' ends match the tables. */
function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

/** Three significant digits without trailing zeros ("62.3", "0.41"); whole numbers from 1000 on. */
function formatMedian(value) {
  return Math.abs(value) >= 999.5 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

/** Colours by first appearance within each family, across all panels. */
function assignColours(panels) {
  const colours = new Map();
  const handedOut = new Map();
  for (const { name } of panels.flatMap((panel) => panel.series)) {
    if (colours.has(name)) continue;
    const family = FAMILIES.find((candidate) => candidate.pattern.test(name));
    const count = handedOut.get(family) ?? 0;
    colours.set(name, family.tones[count % family.tones.length]);
    handedOut.set(family, count + 1);
  }
  return colours;
}

function text(x, y, content, { size = 12, fill = INK, anchor = "start", weight } = {}) {
  const attributes = `${anchor === "start" ? "" : ` text-anchor="${anchor}"`}${weight ? ` font-weight="${weight}"` : ""}`;
  return `<text x="${coordinate(x)}" y="${coordinate(y)}" font-size="${size}" fill="${fill}"${attributes}>${escapeXml(content)}</text>`;
}

function escapeXml(value) {
  const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return String(value).replace(/[&<>"']/g, (character) => entities[character]);
}

/** Drops floating-point noise: 0.1 * 3 is 0.30000000000000004, which would label a tick badly. */
function clean(value) {
  return Number(value.toPrecision(12));
}

/** Coordinates to 0.1 px: finer is invisible and only makes the committed file larger. */
function coordinate(value) {
  return Math.round(value * 10) / 10;
}
