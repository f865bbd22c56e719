// One worker of the pool: loads the glue on the shared module and memory,
// then runs the commands the test posts, answering each with its result or
// the error's name and message. A command that never returns (a lock left
// held) simply never answers.
import { parentPort, workerData } from 'node:worker_threads';
import { load } from './load.mjs';

const { dir, target, module, memory, poison } = workerData;
const api = await load(dir, target, { module, memory, poison });

parentPort.on('message', ({ id, call, args = [], times = 1 }) => {
  parentPort.postMessage({ id, started: true });
  try {
    let value;
    for (let i = 0; i < times; i++) value = api[call](...args);
    parentPort.postMessage({ id, value });
  } catch (e) {
    parentPort.postMessage({ id, error: { name: e?.name, message: String(e?.message), entry: e?.entry, cause: e?.cause?.name } });
  }
});
parentPort.postMessage({ ready: true });
