// The drawing pad on the course's website, where no Python kernel runs: the same front end
// as in Jupyter (drawing_pad.mjs), with a model that lives in the page. It preprocesses the
// strokes as MNIST was made (preprocess.mjs) and runs the seed network exported during the
// book build (forward.mjs, seed_weights.json beside this file). Nothing is fetched from
// anywhere but this site.
//
// Mounts on every element with the class "course-drawing-pad" in the page.

import { render } from "./drawing_pad.mjs";
import { loadNetwork, predict } from "./forward.mjs";
import { PEN_WIDTH, preprocessStrokes } from "./preprocess.mjs";

const FRAME = 28;

/** A model with anywidget's interface (get, set, save_changes, on, off, send), in the page. */
export class LocalModel {
  constructor(network, { padSize = 280, penWidth = PEN_WIDTH } = {}) {
    this.network = network;
    this.state = {
      strokes: [], pen_width: penWidth, pad_size: padSize, image: new Array(FRAME * FRAME).fill(0),
      probabilities: [], prediction: null, from_code: false,
      feature_maps: new Uint8Array(0), feature_map_shape: [],
    };
    this.listeners = new Map();
    this.changed = new Set();
  }

  get(name) { return this.state[name]; }

  set(name, value) {
    this.state[name] = value;
    this.changed.add(name);
  }

  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }

  off(event, callback) { this.listeners.get(event)?.delete(callback); }

  emit(names) {
    for (const name of names) for (const callback of this.listeners.get(`change:${name}`) ?? []) callback();
  }

  save_changes() {
    if (this.changed.has("strokes") || this.changed.has("pen_width")) this.update();
    const changed = [...this.changed];
    this.changed.clear();
    this.emit(changed);
  }

  send(message) {
    if (message?.type === "clear") {
      this.set("strokes", []);
      this.save_changes();
    }
  }

  /** Preprocess the strokes and run the network, as the kernel does in Jupyter. */
  update() {
    const strokes = this.state.strokes;
    const image = preprocessStrokes(strokes, this.state.pen_width);
    this.set("image", Array.from(image));
    this.set("from_code", false);
    if (strokes.length === 0) {
      this.set("probabilities", []);
      this.set("prediction", null);
      this.set("feature_maps", new Uint8Array(0));
      this.set("feature_map_shape", []);
    } else {
      const { probabilities, activations } = predict(this.network, image);
      this.set("probabilities", probabilities);
      this.set("prediction", probabilities.indexOf(Math.max(...probabilities)));
      const first = this.network.layers[0]?.type === "conv2d" ? activations[0] : null;
      this.set("feature_maps", first ? asBytes(first.values) : new Uint8Array(0));
      this.set("feature_map_shape", first ? first.shape : []);
    }
  }
}

/** Feature maps as grey levels 0-255: 0 is no activation, 255 the largest of all maps. */
export function asBytes(values) {
  let top = 0;
  for (const value of values) top = Math.max(top, value);
  const level = (value) => Math.round(255 * Math.min(Math.max(value / top, 0), 1));
  return Uint8Array.from(values, (value) => (top > 0 ? level(value) : 0));
}

function addStyleSheet() {
  const href = new URL("./drawing_pad.css", import.meta.url).href;
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
}

/** Mount a pad in `element`, with the weights at `weightsUrl`. Returns the page's model. */
export async function mount(element, weightsUrl = new URL("./seed_weights.json", import.meta.url)) {
  const response = await fetch(weightsUrl);
  if (!response.ok) throw new Error(`could not load the network's weights (${response.status})`);
  const model = new LocalModel(loadNetwork(await response.json()));
  element.replaceChildren();
  render({ model, el: element });
  element.dataset.ready = "true";
  return model;
}

if (typeof document !== "undefined") {
  addStyleSheet();
  for (const element of document.querySelectorAll(".course-drawing-pad")) {
    mount(element).catch((error) => {
      element.dataset.error = String(error);
      element.append(Object.assign(document.createElement("p"), {
        textContent: `The drawing pad could not start: ${error.message}`,
      }));
    });
  }
}
