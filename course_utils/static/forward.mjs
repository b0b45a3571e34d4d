// The seed network's forward pass in plain JavaScript, for the website where no Python
// kernel runs. The weights come from course_utils.drawing.export_weights(): a JSON document
// whose layers are conv2d (3 x 3, stride 1, 'valid'), maxpool2d, flatten and dense, with
// arrays as little-endian float32 in base64, in Keras's own layouts (channels last; a conv
// kernel is [height, width, in, out], a dense kernel [in, out]).

export const WEIGHTS_FORMAT = "course-cnn-weights/1";

function decode(array) {
  const bytes = Uint8Array.from(atob(array.data), (c) => c.charCodeAt(0));
  const values = new Float32Array(bytes.buffer);
  const expected = array.shape.reduce((a, b) => a * b, 1);
  if (values.length !== expected) {
    throw new Error(`weights of shape [${array.shape}] hold ${values.length} numbers`);
  }
  return { shape: array.shape, values };
}

/** A network ready to run, from the parsed JSON document. */
export function loadNetwork(document) {
  if (!document || document.format !== WEIGHTS_FORMAT) {
    throw new Error(`not a weights file of format ${WEIGHTS_FORMAT}`);
  }
  const layers = document.layers.map((layer) => {
    if (layer.kernel) return { ...layer, kernel: decode(layer.kernel), bias: decode(layer.bias) };
    return layer;
  });
  return { inputShape: document.input_shape, layers };
}

// A tensor is { shape: [height, width, channels], values } in channels-last order,
// or { shape: [n], values } once flattened.

function conv2d(input, kernel, bias) {
  const [height, width, channels] = input.shape;
  const [kh, kw, kin, filters] = kernel.shape;
  if (kin !== channels) throw new Error(`conv2d expects ${kin} channels, got ${channels}`);
  const outH = height - kh + 1;
  const outW = width - kw + 1;
  const out = new Float64Array(outH * outW * filters);
  const x = input.values;
  const k = kernel.values;
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      const o = (i * outW + j) * filters;
      for (let f = 0; f < filters; f++) out[o + f] = bias.values[f];
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const xi = ((i + a) * width + (j + b)) * channels;
          const ki = (a * kw + b) * channels * filters;
          for (let c = 0; c < channels; c++) {
            const value = x[xi + c];
            if (value === 0) continue;
            const row = ki + c * filters;
            for (let f = 0; f < filters; f++) out[o + f] += value * k[row + f];
          }
        }
      }
    }
  }
  return { shape: [outH, outW, filters], values: out };
}

function maxpool2d(input, [ph, pw]) {
  const [height, width, channels] = input.shape;
  const outH = Math.floor(height / ph);
  const outW = Math.floor(width / pw);
  const out = new Float64Array(outH * outW * channels).fill(-Infinity);
  for (let i = 0; i < outH * ph; i++) {
    for (let j = 0; j < outW * pw; j++) {
      const o = (Math.floor(i / ph) * outW + Math.floor(j / pw)) * channels;
      const xi = (i * width + j) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = Math.max(out[o + c], input.values[xi + c]);
    }
  }
  return { shape: [outH, outW, channels], values: out };
}

function dense(input, kernel, bias) {
  const [inputs, units] = kernel.shape;
  if (input.values.length !== inputs) {
    throw new Error(`dense expects ${inputs} inputs, got ${input.values.length}`);
  }
  const out = Float64Array.from(bias.values);
  for (let i = 0; i < inputs; i++) {
    const value = input.values[i];
    if (value === 0) continue;
    const row = i * units;
    for (let u = 0; u < units; u++) out[u] += value * kernel.values[row + u];
  }
  return { shape: [units], values: out };
}

function activate(tensor, name) {
  const v = tensor.values;
  if (name === "relu") {
    for (let i = 0; i < v.length; i++) v[i] = Math.max(0, v[i]);
  } else if (name === "softmax") {
    const top = Math.max(...v);
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += (v[i] = Math.exp(v[i] - top));
    for (let i = 0; i < v.length; i++) v[i] /= sum;
  } else if (name && name !== "linear") {
    throw new Error(`unknown activation ${name}`);
  }
  return tensor;
}

/**
 * Run `network` on one image: 784 grey levels in [0, 1], row by row. Returns the output
 * (the ten probabilities, as an array) and, in `activations`, what every layer produced
 * (the first is the first convolution's feature maps).
 */
export function predict(network, image) {
  const [height, width, channels] = network.inputShape;
  if (image.length !== height * width * channels) {
    throw new Error(`the network needs ${height * width * channels} pixels, got ${image.length}`);
  }
  let tensor = { shape: [height, width, channels], values: Float64Array.from(image) };
  const activations = [];
  for (const layer of network.layers) {
    if (layer.type === "conv2d") tensor = activate(conv2d(tensor, layer.kernel, layer.bias), layer.activation);
    else if (layer.type === "maxpool2d") tensor = maxpool2d(tensor, layer.pool);
    else if (layer.type === "flatten") tensor = { shape: [tensor.values.length], values: tensor.values };
    else if (layer.type === "dense") tensor = activate(dense(tensor, layer.kernel, layer.bias), layer.activation);
    else throw new Error(`unknown layer type ${layer.type}`);
    activations.push(tensor);
  }
  return { probabilities: Array.from(tensor.values), activations };
}
