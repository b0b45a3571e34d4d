// Command-line bridge for tests/test_drawing.py: reads one JSON request on stdin and writes
// the answer as JSON on stdout.
//   {"task": "preprocess", "drawings": [strokes, ...], "pen_width": 26}  -> [[784 levels], ...]
//   {"task": "predict", "weights": "path.json", "images": [[784 levels], ...]} -> [[10], ...]
import { readFileSync } from "node:fs";
import { loadNetwork, predict } from "../../course_utils/static/forward.mjs";
import { preprocessStrokes } from "../../course_utils/static/preprocess.mjs";

const request = JSON.parse(readFileSync(0, "utf8"));
let answer;
if (request.task === "preprocess") {
  answer = request.drawings.map((strokes) => Array.from(preprocessStrokes(strokes, request.pen_width)));
} else if (request.task === "predict") {
  const network = loadNetwork(JSON.parse(readFileSync(request.weights, "utf8")));
  answer = request.images.map((image) => predict(network, image).probabilities);
} else {
  throw new Error(`unknown task ${request.task}`);
}
process.stdout.write(JSON.stringify(answer));
