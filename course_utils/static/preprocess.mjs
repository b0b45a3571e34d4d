// Turn a drawing into the 28 x 28 input the network expects, the way MNIST was made:
// the ink's bounding box is scaled to fit 20 x 20 pixels (keeping its aspect ratio), then
// the digit is placed in the 28 x 28 frame so that its centre of mass sits where MNIST's do.
// Grey levels are in [0, 1]. This is the same computation as preprocess_strokes() in
// course_utils/drawing.py, step for step; the tests check that both agree.

export const FRAME = 28;
export const BOX = 20;
export const SUBSAMPLES = 4;
export const PEN_WIDTH = 26;
// Where MNIST's digits have their centre of mass, in pixels from the top left corner
// (measured on the test set), i.e. the middle of pixel (14, 14).
export const MASS_CENTRE = 14.5;

// Points closer than this (pad units) to the last point kept add no ink the network could
// see; a mouse or pen can send thousands of them. The same as POINT_SPACING in drawing.py.
export const POINT_SPACING = 1;

// The stroke without points closer than POINT_SPACING to the previous point kept (the first
// and last points always stay), as _thinned() in drawing.py.
function thinned(stroke) {
  if (stroke.length <= 2) return stroke;
  const kept = [stroke[0]];
  let last = stroke[0];
  for (let i = 1; i + 1 < stroke.length; i++) {
    if (Math.hypot(stroke[i][0] - last[0], stroke[i][1] - last[1]) >= POINT_SPACING) {
      kept.push(stroke[i]);
      last = stroke[i];
    }
  }
  kept.push(stroke[stroke.length - 1]);
  return kept;
}

// The strokes checked and thinned.
function checkedStrokes(strokes) {
  return strokes.map((stroke, number) => {
    if (!Array.isArray(stroke) || stroke.length === 0) {
      throw new Error(`stroke ${number} must be a non-empty list of [x, y] points`);
    }
    for (const point of stroke) {
      if (point.length !== 2 || !point.every(Number.isFinite)) {
        throw new Error(`stroke ${number} has a point that is not two finite numbers`);
      }
    }
    return thinned(stroke);
  });
}

function segmentsOf(strokes) {
  const segments = [];
  for (const stroke of strokes) {
    if (stroke.length === 1) segments.push([stroke[0], stroke[0]]);
    for (let i = 0; i + 1 < stroke.length; i++) segments.push([stroke[i], stroke[i + 1]]);
  }
  return segments;
}

// Grey levels: the pad's point `centre` lands on `target` (pixels, [x, y]), magnified `scale`.
function render(segments, radius, scale, centre, target) {
  const image = new Float64Array(FRAME * FRAME);
  const radius2 = radius * radius;
  const perPixel = SUBSAMPLES * SUBSAMPLES;
  for (let row = 0; row < FRAME; row++) {
    for (let column = 0; column < FRAME; column++) {
      let inked = 0;
      for (let a = 0; a < SUBSAMPLES; a++) {
        const sampleY = row + (a + 0.5) / SUBSAMPLES;
        const y = (sampleY - target[1]) / scale + centre[1];
        for (let b = 0; b < SUBSAMPLES; b++) {
          const sampleX = column + (b + 0.5) / SUBSAMPLES;
          const x = (sampleX - target[0]) / scale + centre[0];
          for (const [start, end] of segments) {
            const dx = end[0] - start[0];
            const dy = end[1] - start[1];
            const px = x - start[0];
            const py = y - start[1];
            const length2 = dx * dx + dy * dy;
            const t = length2 > 0 ? Math.min(Math.max((px * dx + py * dy) / length2, 0), 1) : 0;
            const ex = px - t * dx;
            const ey = py - t * dy;
            if (ex * ex + ey * ey <= radius2) {
              inked++;
              break;
            }
          }
        }
      }
      image[row * FRAME + column] = inked / perPixel;
    }
  }
  return image;
}

/** The grey-level-weighted centre [x, y] of a FRAME x FRAME image, in pixels. */
export function centreOfMass(image) {
  let total = 0;
  let sumX = 0;
  let sumY = 0;
  for (let row = 0; row < FRAME; row++) {
    for (let column = 0; column < FRAME; column++) {
      const value = image[row * FRAME + column];
      total += value;
      sumX += value * (column + 0.5);
      sumY += value * (row + 0.5);
    }
  }
  if (!(total > 0)) throw new Error("the image has no ink");
  return [sumX / total, sumY / total];
}

/**
 * The 784 grey levels (row by row, Float32Array) that MNIST would have made of `strokes`:
 * a list of strokes, each a list of [x, y] points, drawn with a round pen `penWidth` wide.
 */
export function preprocessStrokes(strokes, penWidth = PEN_WIDTH) {
  if (!Array.isArray(strokes)) throw new Error("strokes must be a list of strokes");
  if (!(penWidth > 0)) throw new Error(`penWidth must be positive, got ${penWidth}`);
  strokes = checkedStrokes(strokes);
  const segments = segmentsOf(strokes);
  if (segments.length === 0) return new Float32Array(FRAME * FRAME);
  const radius = penWidth / 2;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const stroke of strokes) {
    for (const [x, y] of stroke) {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
  }
  minX -= radius; minY -= radius; maxX += radius; maxY += radius;
  const scale = BOX / Math.max(maxX - minX, maxY - minY);
  const boxCentre = [(minX + maxX) / 2, (minY + maxY) / 2];
  const middle = FRAME / 2;
  const first = render(segments, radius, scale, boxCentre, [middle, middle]);
  const [massX, massY] = centreOfMass(first);
  const target = [middle + (MASS_CENTRE - massX), middle + (MASS_CENTRE - massY)];
  return Float32Array.from(render(segments, radius, scale, boxCentre, target));
}
