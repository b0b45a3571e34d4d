import assert from "node:assert/strict";
import { test } from "node:test";
import { WEIGHTS_FORMAT, loadNetwork } from "../../course_utils/static/forward.mjs";
import { LocalModel, asBytes } from "../../course_utils/static/site_pad.mjs";

function encoded(shape, values) {
  return { shape, data: Buffer.from(new Uint8Array(Float32Array.from(values).buffer)).toString("base64") };
}

// A network that reads "ink in the left half -> 0, in the right half -> 1" on 28 x 28 images.
function halvesNetwork() {
  const kernel = [];
  for (let i = 0; i < 784; i++) kernel.push(i % 28 < 14 ? 1 : 0, i % 28 < 14 ? 0 : 1);
  return loadNetwork({
    format: WEIGHTS_FORMAT, input_shape: [28, 28, 1],
    layers: [{ type: "flatten" }, { type: "dense", activation: "softmax", kernel: encoded([784, 2], kernel), bias: encoded([2], [0, 0]) }],
  });
}

test("the page's model predicts when strokes are saved, and tells its listeners", () => {
  const model = new LocalModel(halvesNetwork());
  const heard = [];
  model.on("change:prediction", () => heard.push(model.get("prediction")));
  model.set("strokes", [[[140, 40], [140, 240]]]);
  model.save_changes();
  assert.equal(model.get("image").length, 784);
  assert.equal(model.get("probabilities").length, 2);
  assert.deepEqual(heard, [model.get("prediction")]);
});

test("clearing empties the image and the prediction", () => {
  const model = new LocalModel(halvesNetwork());
  model.set("strokes", [[[140, 40], [140, 240]]]);
  model.save_changes();
  model.send({ type: "clear" });
  assert.deepEqual(model.get("strokes"), []);
  assert.equal(model.get("prediction"), null);
  assert.ok(model.get("image").every((value) => value === 0));
});

// One 3 x 3 filter that copies the middle pixel, then flatten and a dense layer to two units.
function convNetwork() {
  const kernel = new Array(9).fill(0);
  kernel[4] = 1;
  return loadNetwork({
    format: WEIGHTS_FORMAT, input_shape: [28, 28, 1],
    layers: [
      { type: "conv2d", activation: "relu", kernel: encoded([3, 3, 1, 1], kernel), bias: encoded([1], [0]) },
      { type: "flatten" },
      { type: "dense", activation: "softmax", kernel: encoded([676, 2], new Array(1352).fill(0)), bias: encoded([2], [0, 1]) },
    ],
  });
}

test("the first layer's feature maps come with every prediction, as bytes", () => {
  const model = new LocalModel(convNetwork());
  model.set("strokes", [[[140, 40], [140, 240]]]);
  model.save_changes();
  assert.deepEqual(model.get("feature_map_shape"), [26, 26, 1]);
  const maps = model.get("feature_maps");
  assert.equal(maps.length, 676);
  assert.equal(Math.max(...maps), 255);
  // the filter copies the middle pixel: map pixel (i, j) is image pixel (i + 1, j + 1)
  const image = model.get("image");
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) assert.equal(maps[i * 26 + j], Math.round(255 * image[(i + 1) * 28 + j + 1]));
  }
  model.send({ type: "clear" });
  assert.equal(model.get("feature_maps").length, 0);
});

test("asBytes scales by the largest value and keeps zeros at zero", () => {
  assert.deepEqual(Array.from(asBytes([0, 1, 2, -1])), [0, 128, 255, 0]);
  assert.deepEqual(Array.from(asBytes([0, 0])), [0, 0]);
});
