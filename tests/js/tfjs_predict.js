// Load a TensorFlow.js layers model from a local folder with the real TF.js (pure JS, CPU backend) and
// print its predictions as JSON on the last line of stdout.
//
//   node tfjs_predict.js <model folder> <input.json> [<resave folder>]
//
// input.json is {"shape": [n, ...], "data": [flat float values]}. Output: {"shape": [...], "data": [...]}.
// With a third argument the loaded model is also saved again by TF.js itself (model.json + weights.bin),
// so the Python loader can be checked against files TF.js writes.
// Without tfjs-node there is no file:// handler, so model.json and its shards are read here and handed to
// tf.io.fromMemory, exactly as a browser would get them from fetch.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [dir, inputPath, resaveDir] = process.argv.slice(2);
  if (!dir || !inputPath) throw new Error('usage: node tfjs_predict.js <model folder> <input.json>');
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData}));
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const x = tf.tensor(input.data, input.shape, 'float32');
  const y = model.predict(x);
  const out = {shape: y.shape, data: Array.from(await y.data()), className: model.getClassName(),
               layers: model.layers.map((l) => l.getClassName())};
  if (resaveDir) {
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      fs.mkdirSync(resaveDir, {recursive: true});
      const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
      fs.writeFileSync(path.join(resaveDir, 'weights.bin'), Buffer.concat(parts.map((b) => Buffer.from(b))));
      const manifest = [{paths: ['weights.bin'], weights: artifacts.weightSpecs}];
      fs.writeFileSync(path.join(resaveDir, 'model.json'), JSON.stringify({
        format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology, weightsManifest: manifest}));
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
  }
  process.stdout.write('\n' + JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
