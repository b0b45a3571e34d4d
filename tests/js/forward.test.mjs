import assert from "node:assert/strict";
import { test } from "node:test";
import { WEIGHTS_FORMAT, loadNetwork, predict } from "../../course_utils/static/forward.mjs";

function encoded(shape, values) {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  return { shape, data: Buffer.from(bytes).toString("base64") };
}

// A 4 x 4 x 1 input, one 3 x 3 filter that sums its patch, then 2 x 2 pooling of the 2 x 2
// result, flatten, and a dense layer of two units with softmax.
function tinyNetwork({ flipChannels = false } = {}) {
  return loadNetwork({
    format: WEIGHTS_FORMAT,
    input_shape: [4, 4, 1],
    layers: [
      { type: "conv2d", activation: "relu", kernel: encoded([3, 3, 1, 2], Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 1 : -1))), bias: encoded([2], [0, 0.5]) },
      { type: "maxpool2d", pool: [2, 2] },
      { type: "flatten" },
      { type: "dense", activation: "softmax", kernel: encoded([2, 2], flipChannels ? [0, 1, 1, 0] : [1, 0, 0, 1]), bias: encoded([2], [0, 0]) },
    ],
  });
}

test("convolution, relu, pooling, dense and softmax compute what they should", () => {
  const image = Array.from({ length: 16 }, (_, i) => i / 16);
  const { probabilities, activations } = predict(tinyNetwork(), image);
  // filter 0 sums each 3 x 3 patch; the largest patch (bottom right) sums to 90 / 16
  assert.deepEqual(activations[0].shape, [2, 2, 2]);
  assert.ok(Math.abs(activations[1].values[0] - 90 / 16) < 1e-12);
  assert.equal(activations[1].values[1], 0); // filter 1 is minus the sum plus 0.5: relu gives 0
  const expected = Math.exp(90 / 16) / (Math.exp(90 / 16) + 1);
  assert.ok(Math.abs(probabilities[0] - expected) < 1e-12);
  assert.ok(Math.abs(probabilities[0] + probabilities[1] - 1) < 1e-12);
});

test("flatten keeps Keras's channels-last order", () => {
  const image = Array.from({ length: 16 }, (_, i) => i / 16);
  const straight = predict(tinyNetwork(), image).probabilities;
  const flipped = predict(tinyNetwork({ flipChannels: true }), image).probabilities;
  assert.ok(Math.abs(straight[0] - flipped[1]) < 1e-12);
});

test("wrong weights or inputs get a clear error", () => {
  assert.throws(() => loadNetwork({ format: "something else" }), /not a weights file/);
  assert.throws(() => predict(tinyNetwork(), [1, 2, 3]), /needs 16 pixels, got 3/);
  assert.throws(
    () => loadNetwork({ format: WEIGHTS_FORMAT, input_shape: [1, 1, 1], layers: [{ type: "dense", kernel: encoded([2, 2], [1, 2, 3]), bias: encoded([2], [0, 0]) }] }),
    /hold 3 numbers/,
  );
});
