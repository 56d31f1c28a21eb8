"""A recording as one self-contained HTML page: a canvas player with play/pause and a slider.

Everything is inline (the recording as JSON in a ``<script type="application/json">`` block,
plain JavaScript, no library, no network), so the file opens anywhere, offline included.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from baro.fulfillment.robots.replay import Recording

# Robot colours by state (``replay.STATES``): moving, turning, waiting, arrived, idle.
_STATE_COLOURS = ["#1f77b4", "#17becf", "#d62728", "#2ca02c", "#9e9e9e"]

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
  #controls { display: flex; gap: 12px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
  #scrub { width: min(720px, 70vw); }
  canvas { border: 1px solid #ccc; image-rendering: pixelated; max-width: 100%; }
  .key { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 10px;
         vertical-align: middle; }
</style>
</head>
<body>
<h1 style="font-size: 18px">__TITLE__</h1>
<div id="controls">
  <button id="play" type="button">Play</button>
  <input id="scrub" type="range" min="0" value="0" step="1" aria-label="step">
  <span id="label"></span>
  <label>speed <select id="speed">
    <option value="2">2 steps/s</option><option value="8" selected>8 steps/s</option>
    <option value="30">30 steps/s</option></select></label>
</div>
<div id="legend"></div>
<canvas id="floor"></canvas>
<script type="application/json" id="replay-data">__DATA__</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("replay-data").textContent);
const colours = __COLOURS__;
const rows = data.floor.rows, height = rows.length, width = rows[0].length;
const cell = Math.max(2, Math.min(16, Math.floor(1200 / width), Math.floor(800 / height)));
const canvas = document.getElementById("floor");
canvas.width = width * cell;
canvas.height = height * cell;
const context = canvas.getContext("2d");

// The floor is drawn once, off screen, and copied under every frame.
const background = document.createElement("canvas");
background.width = canvas.width;
background.height = canvas.height;
const floorContext = background.getContext("2d");
const cellColours = { ".": "#fafafa", "S": "#e8d9b5", "E": "#9ecae1" };
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    floorContext.fillStyle = cellColours[rows[y][x]] || "#555";
    floorContext.fillRect(x * cell, y * cell, cell, cell);
  }
}

const legend = document.getElementById("legend");
const keys = data.states.map((name, i) => ({ name, colour: colours[i] }));
keys.push({ name: "pod", colour: cellColours.S }, { name: "station", colour: cellColours.E });
for (const { name, colour } of keys) {
  const swatch = document.createElement("span");
  swatch.className = "key";
  swatch.style.background = colour;
  legend.append(swatch, name);
}

// East, south, west, north: the tick a robot carries toward the way it faces.
const facing = [[1, 0], [0, 1], [-1, 0], [0, -1]];
const scrub = document.getElementById("scrub");
const label = document.getElementById("label");
scrub.max = data.frames.length - 1;

function draw(index) {
  const frame = data.frames[index];
  context.drawImage(background, 0, 0);
  const inset = cell >= 6 ? 1 : 0;
  for (let robot = 0; robot < frame.locations.length; robot++) {
    const at = frame.locations[robot];
    const x = (at % width) * cell, y = Math.floor(at / width) * cell;
    context.fillStyle = colours[frame.states[robot]];
    context.fillRect(x + inset, y + inset, cell - 2 * inset, cell - 2 * inset);
    if (cell >= 8) {
      const [dx, dy] = facing[frame.orientations[robot]];
      context.fillStyle = "#fff";
      const half = cell / 2;
      context.fillRect(x + half + dx * half * 0.55 - 1, y + half + dy * half * 0.55 - 1, 2, 2);
    }
  }
  label.textContent = `step ${data.first_step + index + 1} (${index + 1} of ${data.frames.length})`;
}

let playing = null;
function stop() {
  clearInterval(playing);
  playing = null;
  document.getElementById("play").textContent = "Play";
}
function play() {
  if (Number(scrub.value) >= data.frames.length - 1) scrub.value = 0;
  const perSecond = Number(document.getElementById("speed").value);
  playing = setInterval(() => {
    const next = Number(scrub.value) + 1;
    if (next >= data.frames.length) { stop(); return; }
    scrub.value = next;
    draw(next);
  }, 1000 / perSecond);
  document.getElementById("play").textContent = "Pause";
}
document.getElementById("play").addEventListener("click", () => (playing ? stop() : play()));
document.getElementById("speed").addEventListener("change", () => {
  if (playing) { stop(); play(); }
});
scrub.addEventListener("input", () => draw(Number(scrub.value)));
draw(0);
</script>
</body>
</html>
"""


def write_player(recording: Recording, path: Path) -> Path:
    """Write ``recording`` as an HTML player at ``path``; returns ``path``."""
    # "</" would end the script block early if a floor name held "</script>".
    data = json.dumps(recording.to_json(), separators=(",", ":")).replace("</", "<\\/")
    last = recording.first_step + recording.steps
    title = (
        f"{recording.source} ({recording.floor_name}): {recording.planner}, "
        f"steps {recording.first_step + 1}–{last}"
    )
    page = (
        _PAGE.replace("__TITLE__", html.escape(title))
        .replace("__COLOURS__", json.dumps(_STATE_COLOURS))
        .replace("__DATA__", data)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
