import assert from "node:assert/strict";
import { test } from "node:test";
import { WEIGHTS_FORMAT, loadNetwork } from "../../course_utils/static/forward.mjs";
import { LocalModel } from "../../course_utils/static/site_pad.mjs";

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
