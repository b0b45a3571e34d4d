// The drawing pad's front end: an anywidget ES module (no build step). It draws; the
// model (the Python kernel through anywidget, or site_pad.mjs on the website) turns the
// strokes into the network's input and answers with the probabilities.
//
// Model state: strokes (list of strokes of [x, y] points in pad units), pen_width,
// pad_size, image (784 grey levels, row by row), probabilities (ten, or []), prediction
// (a digit or null), from_code (the image was set from code, not drawn), feature_maps (the
// first convolution's maps as bytes 0-255, row by row, filters last; empty if none) and
// feature_map_shape ([height, width, filters]).
// Message to the model: {type: "clear"}.

const FRAME = 28;
const MIN_STEP = 2; // pad units between two recorded points of a stroke

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function drawStrokes(context, strokes, penWidth) {
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = penWidth;
  context.strokeStyle = "#000";
  context.fillStyle = "#000";
  for (const stroke of strokes) {
    if (stroke.length === 1) {
      context.beginPath();
      context.arc(stroke[0][0], stroke[0][1], penWidth / 2, 0, 2 * Math.PI);
      context.fill();
      continue;
    }
    context.beginPath();
    context.moveTo(stroke[0][0], stroke[0][1]);
    for (const [x, y] of stroke.slice(1)) context.lineTo(x, y);
    context.stroke();
  }
}

function asBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(0);
}

// The feature maps side by side, `columns` to a row, darker where a filter responds more.
function drawMaps(canvas, bytes, shape, columns = 8) {
  const context = canvas.getContext("2d");
  if (!shape || shape.length !== 3 || bytes.length !== shape[0] * shape[1] * shape[2]) {
    canvas.hidden = true;
    return;
  }
  const [height, width, filters] = shape;
  const rows = Math.ceil(filters / columns);
  canvas.width = columns * (width + 2);
  canvas.height = rows * (height + 2);
  canvas.style.width = `${2 * canvas.width}px`;
  canvas.hidden = false;
  const pixels = context.createImageData(canvas.width, canvas.height);
  pixels.data.fill(255);
  for (let f = 0; f < filters; f++) {
    const left = (f % columns) * (width + 2) + 1;
    const top = Math.floor(f / columns) * (height + 2) + 1;
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const level = 255 - bytes[(i * width + j) * filters + f];
        pixels.data.set([level, level, level, 255], 4 * ((top + i) * canvas.width + left + j));
      }
    }
  }
  context.putImageData(pixels, 0, 0);
}

function drawImage(context, image, size) {
  // grey levels as ink on paper: 0 is white, 1 is black (as the lessons' figures show them)
  const pixels = context.createImageData(FRAME, FRAME);
  for (let i = 0; i < FRAME * FRAME; i++) {
    const level = Math.round(255 * (1 - (image[i] ?? 0)));
    pixels.data.set([level, level, level, 255], 4 * i);
  }
  const scratch = document.createElement("canvas");
  scratch.width = FRAME;
  scratch.height = FRAME;
  scratch.getContext("2d").putImageData(pixels, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, 0, 0, size, size);
}

export function render({ model, el }) {
  const padSize = model.get("pad_size") || 280;
  const ratio = window.devicePixelRatio || 1;

  const canvas = element("canvas", {
    class: "course-pad-canvas",
    width: String(Math.round(padSize * ratio)),
    height: String(Math.round(padSize * ratio)),
    role: "img",
    "aria-label": "Drawing pad: draw one digit here with a mouse, a pen or a finger",
  });
  canvas.style.width = `${padSize}px`;
  canvas.style.height = `${padSize}px`;
  const clear = element("button", { type: "button", class: "course-pad-clear", text: "Clear" });
  clear.setAttribute("aria-label", "Clear the drawing pad");

  const seen = element("canvas", {
    class: "course-pad-seen",
    width: "112",
    height: "112",
    role: "img",
    "aria-label": "The 28 by 28 pixel image the network receives",
  });
  const verdict = element("span", { class: "course-pad-prediction", text: "–" });
  const status = element("p", { class: "course-pad-status", "aria-live": "polite" }, [
    "The network reads: ",
    verdict,
  ]);
  const bars = element("div", { class: "course-pad-bars", role: "list", "aria-label": "Probabilities" });
  const rows = [];
  for (let digit = 0; digit < 10; digit++) {
    const fill = element("div", { class: "course-pad-fill" });
    const value = element("span", { class: "course-pad-value", text: "" });
    const row = element("div", { class: "course-pad-row", role: "listitem" }, [
      element("span", { class: "course-pad-digit", text: String(digit) }),
      element("div", { class: "course-pad-track" }, [fill]),
      value,
    ]);
    rows.push({ row, fill, value, digit });
    bars.append(row);
  }

  const maps = element("canvas", {
    class: "course-pad-maps",
    role: "img",
    "aria-label": "The first layer's feature maps: darker where a filter responds more strongly",
  });
  maps.hidden = true;
  const root = element("div", { class: "course-pad" }, [
    element("div", { class: "course-pad-column" }, [
      element("p", { class: "course-pad-title", text: "Draw one digit" }),
      canvas,
      clear,
    ]),
    element("div", { class: "course-pad-column" }, [
      element("p", { class: "course-pad-title", text: "What the network sees" }),
      seen,
    ]),
    element("div", { class: "course-pad-column" }, [status, bars]),
    element("div", { class: "course-pad-column course-pad-wide" }, [
      element("p", { class: "course-pad-title", text: "The first layer's feature maps" }),
      maps,
    ]),
  ]);
  el.append(root);

  const context = canvas.getContext("2d");
  context.scale(ratio, ratio);
  const seenContext = seen.getContext("2d");
  let strokes = structuredClone(model.get("strokes") || []);
  let current = null;

  function paintPad() {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, padSize, padSize);
    if (model.get("from_code") && strokes.length === 0) {
      drawImage(context, model.get("image") || [], padSize);
    } else {
      drawStrokes(context, current ? [...strokes, current] : strokes, model.get("pen_width"));
    }
  }

  function paintResults() {
    drawImage(seenContext, model.get("image") || [], seen.width);
    drawMaps(maps, asBytes(model.get("feature_maps")), model.get("feature_map_shape"));
    const probabilities = model.get("probabilities") || [];
    const prediction = model.get("prediction");
    verdict.textContent = prediction === null || prediction === undefined ? "–" : String(prediction);
    for (const { row, fill, value, digit } of rows) {
      const p = probabilities.length === 10 ? probabilities[digit] : 0;
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      value.textContent = probabilities.length === 10 ? `${(100 * p).toFixed(1)}%` : "";
      row.setAttribute("aria-label", `${digit}: ${(100 * p).toFixed(1)} percent`);
      row.classList.toggle("course-pad-best", digit === prediction);
    }
  }

  function padPoint(event) {
    const box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * padSize) / box.width,
      ((event.clientY - box.top) * padSize) / box.height,
    ];
  }

  function onDown(event) {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    current = [padPoint(event)];
    paintPad();
  }

  // Add the pointer's position in `event` to the stroke being drawn, unless it lies within
  // MIN_STEP of the stroke's last point.
  function extendStroke(event) {
    const point = padPoint(event);
    const last = current[current.length - 1];
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= MIN_STEP) current.push(point);
  }

  function onMove(event) {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents?.() || [event];
    for (const each of events.length ? events : [event]) extendStroke(each);
    paintPad();
  }

  function onUp(event) {
    if (!current) return;
    event.preventDefault();
    extendStroke(event);
    strokes = [...strokes, current.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10])];
    current = null;
    paintPad();
    model.set("strokes", strokes);
    model.save_changes();
  }

  function onClear() {
    strokes = [];
    current = null;
    model.send({ type: "clear" });
    paintPad();
  }

  function onStrokes() {
    strokes = structuredClone(model.get("strokes") || []);
    paintPad();
  }

  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  clear.addEventListener("click", onClear);
  function onImage() {
    paintResults();
    paintPad();
  }
  // What each change of the model's state repaints; listened to until the view goes.
  const listeners = [
    ["change:strokes", onStrokes],
    ["change:image", onImage],
    ["change:probabilities", paintResults],
    ["change:prediction", paintResults],
    ["change:from_code", paintPad],
    ["change:feature_maps", paintResults],
  ];
  for (const [name, listener] of listeners) model.on(name, listener);
  paintPad();
  paintResults();

  return () => {
    for (const [name, listener] of listeners) model.off(name, listener);
  };
}

export default { render };
