import assert from "node:assert/strict";
import { test } from "node:test";
import { FRAME, MASS_CENTRE, centreOfMass, preprocessStrokes } from "../../course_utils/static/preprocess.mjs";

const vertical = [[[140, 40], [140, 240]]];

function boundingBox(image) {
  let top = FRAME, bottom = -1, left = FRAME, right = -1;
  for (let row = 0; row < FRAME; row++) {
    for (let column = 0; column < FRAME; column++) {
      if (image[row * FRAME + column] > 0) {
        top = Math.min(top, row); bottom = Math.max(bottom, row);
        left = Math.min(left, column); right = Math.max(right, column);
      }
    }
  }
  return { height: bottom - top + 1, width: right - left + 1 };
}

test("no strokes give an empty image", () => {
  const image = preprocessStrokes([]);
  assert.equal(image.length, 784);
  assert.ok(image.every((value) => value === 0));
});

test("grey levels lie in [0, 1] and the core of a stroke is fully inked", () => {
  const image = preprocessStrokes(vertical);
  assert.ok(image.every((value) => value >= 0 && value <= 1));
  assert.equal(Math.max(...image), 1);
});

// 20 pixels long, so it touches 20 or, off the pixel grid, 21 pixels
const twenty = (length) => length === 20 || length === 21;

test("the ink's longer side is scaled to 20 pixels, keeping the aspect ratio", () => {
  const tall = boundingBox(preprocessStrokes(vertical));
  assert.ok(twenty(tall.height), `${tall.height}`);
  assert.ok(tall.width <= 4, `a vertical stroke stays thin: ${tall.width}`);
  const wide = boundingBox(preprocessStrokes([[[40, 140], [240, 140]]]));
  assert.ok(twenty(wide.width), `${wide.width}`);
  assert.ok(wide.height <= 4);
});

test("the centre of mass lands where MNIST has it, wherever and however big one draws", () => {
  const small = [[[20, 20], [20, 60], [50, 60]]]; // an L in the top left corner
  const big = [[[60, 30], [60, 250], [250, 250]]];
  for (const strokes of [small, big]) {
    const [x, y] = centreOfMass(preprocessStrokes(strokes));
    assert.ok(Math.abs(x - MASS_CENTRE) < 0.3 && Math.abs(y - MASS_CENTRE) < 0.3, `${x}, ${y}`);
  }
  const a = preprocessStrokes(small);
  const b = preprocessStrokes([[[220, 200], [220, 240], [250, 240]]]); // the same L, moved
  assert.deepEqual(Array.from(a), Array.from(b));
});

test("a dot (a stroke of one point) is drawn", () => {
  const image = preprocessStrokes([[[100, 100]]]);
  assert.ok(image.some((value) => value > 0));
});

test("bad input gets a clear error", () => {
  assert.throws(() => preprocessStrokes("1"), /list of strokes/);
  assert.throws(() => preprocessStrokes([[]]), /stroke 0 must be a non-empty list/);
  assert.throws(() => preprocessStrokes([[[1, Number.NaN]]]), /not two finite numbers/);
  assert.throws(() => preprocessStrokes(vertical, 0), /penWidth must be positive/);
});
