/**
 * Runs an entry's WorkerJob (shared/session-log/outputs/output-entry.ts) on a worker thread and gives its
 * pieces back in order, as they come. The worker is an eval'd script built from the job's source, so it
 * works the same from the sources and from the single-file CLI bundle (no worker file to find).
 *
 * The job's packets are copied to the worker in batches of about BATCH bytes, in a few buffers that go
 * back and forth (transferred, not copied again): copying a whole 200 MB session into fresh memory once
 * cost more than escaping it here (page faults), warm buffers cost a memcpy. The worker reads them with a
 * blocking receive, so the job stays a plain loop. It may run at most AHEAD bytes of output ahead of what
 * has been taken from it (it waits on a shared counter), so a long session is not held twice in memory
 * when the disk is slow.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { WorkerJob } from '@latchkey/shared';

/** Bytes of packet data per batch, and how many batch buffers there are at most. */
const BATCH = 2 << 20;
const BATCH_BUFFERS = 6;
/** How far a worker may render ahead of the zip writer. */
const AHEAD = 256 << 20;

/** Slots of the shared counters: output bytes not yet taken, batches posted. */
const OUTPUT = 0;
const POSTED = 1;

interface Batch {
  bytes: Uint8Array;
  /** Where each packet's data ends in `bytes`, and its time; null after the last batch. */
  ends: Float64Array;
  times: Float64Array;
}

/**
 * The worker's script: runs the job over the batches it receives, posting each piece (its buffer
 * transferred), each batch buffer it is done with (back, for the next batch), then null.
 */
const SCRIPT = (source: string) => `'use strict';
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const { batches: port, returns, counters, limit } = workerData;
/** A buffer of at least \`size\` bytes: a written piece's, given back, when there is one. */
function allocate(size) {
  for (let back = receiveMessageOnPort(returns); back !== undefined; back = receiveMessageOnPort(returns)) {
    if (back.message.byteLength >= size) return Buffer.from(back.message);
  }
  return Buffer.allocUnsafe(size);
}
const shared = new Int32Array(counters);
let received = 0;
function* packets() {
  for (;;) {
    while (Atomics.load(shared, ${POSTED}) === received) Atomics.wait(shared, ${POSTED}, received, 100);
    const batch = receiveMessageOnPort(port).message;
    received++;
    if (batch === null) return;
    let start = 0;
    for (let index = 0; index < batch.ends.length; index++) {
      yield { data: batch.bytes.subarray(start, batch.ends[index]), elapsedMicros: batch.times[index] };
      start = batch.ends[index];
    }
    parentPort.postMessage({ recycled: batch.bytes }, [batch.bytes.buffer]);
  }
}
const run = (${source});
run(workerData.input, (piece) => {
  if (piece.length === 0) return;
  let ahead = Atomics.add(shared, ${OUTPUT}, piece.length) + piece.length;
  parentPort.postMessage({ piece }, [piece.buffer]);
  while (ahead > limit) {
    Atomics.wait(shared, ${OUTPUT}, ahead, 100);
    ahead = Atomics.load(shared, ${OUTPUT});
  }
}, packets(), allocate);
parentPort.postMessage({ done: true });
`;

export interface WorkerPieces extends AsyncIterable<Uint8Array> {
  /** Gives a piece's buffer back to the worker, for a later piece: once it is written, not before. */
  recycle(piece: Uint8Array): void;
  /** Ends the worker (when the pieces are not all wanted, e.g. the zip failed). */
  stop(): Promise<void>;
}

export function workerJobPieces(job: WorkerJob, limit = AHEAD): WorkerPieces {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const channel = new MessageChannel();
  const returns = new MessageChannel();
  const worker = new Worker(SCRIPT(job.source), {
    eval: true,
    execArgv: [], // nothing to load: the script uses only Node's built-in modules
    workerData: {
      input: job.input,
      batches: channel.port2,
      returns: returns.port2,
      counters: shared.buffer,
      limit,
    },
    transferList: [channel.port2, returns.port2],
  });
  const pieces: Uint8Array[] = [];
  const spare: Uint8Array[] = [];
  let buffers = 0;
  let done = false;
  worker.once('exit', () => returns.port1.close());
  let failure: Error | undefined;
  /** Both the feeder and the reader may be waiting for the worker's next message. */
  let waiting: (() => void)[] = [];
  const notify = () => {
    const resume = waiting;
    waiting = [];
    for (const wake of resume) wake();
  };
  const event = () => new Promise<void>((resolve) => waiting.push(resolve));
  worker.on('message', (message: { piece?: Uint8Array; recycled?: Uint8Array; done?: true }) => {
    if (message.piece !== undefined) pieces.push(message.piece);
    if (message.recycled !== undefined) spare.push(message.recycled);
    if (message.done === true) done = true;
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', (code) => {
    if (!done) failure ??= new Error(`the worker rendering a zip entry stopped (exit code ${code})`);
    notify();
  });

  const post = (batch: Batch | null) => {
    channel.port1.postMessage(batch, batch === null ? [] : [batch.bytes.buffer as ArrayBuffer]);
    Atomics.add(shared, POSTED, 1);
    Atomics.notify(shared, POSTED);
  };
  /** Copies the packets into batches for the worker, on this thread, between the zip's writes. */
  const feed = async () => {
    let bytes: Uint8Array | undefined;
    let ends: number[] = [];
    let times: number[] = [];
    let used = 0;
    const send = () => {
      post({
        bytes: bytes!.subarray(0, used),
        ends: Float64Array.from(ends),
        times: Float64Array.from(times),
      });
      bytes = undefined;
      ends = [];
      times = [];
      used = 0;
    };
    for (const { data, elapsedMicros } of job.packets) {
      if (bytes !== undefined && used + data.length > bytes.length) send();
      while (bytes === undefined) {
        if (failure !== undefined) return;
        if (spare.length > 0) {
          const buffer = spare.pop()!;
          bytes = new Uint8Array(buffer.buffer); // the whole buffer, not the part the last batch used
        } else if (buffers < BATCH_BUFFERS) {
          buffers++;
          bytes = new Uint8Array(BATCH);
        } else {
          await event();
        }
      }
      if (data.length > bytes.length) {
        spare.push(bytes);
        bytes = new Uint8Array(data.length); // a packet larger than a batch: a buffer of its own
      }
      bytes.set(data, used);
      used += data.length;
      ends.push(used);
      times.push(elapsedMicros);
    }
    if (used > 0) send();
    post(null);
  };
  feed().catch((error: Error) => {
    failure ??= error;
    notify();
  });

  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (pieces.length > 0) {
          const piece = pieces.shift()!;
          Atomics.sub(shared, OUTPUT, piece.length);
          Atomics.notify(shared, OUTPUT);
          yield piece;
        } else if (done) {
          return;
        } else if (failure !== undefined) {
          throw failure;
        } else {
          await event();
        }
      }
    },
    recycle: (piece) => {
      if (!done) returns.port1.postMessage(piece.buffer, [piece.buffer as ArrayBuffer]);
    },
    stop: async () => {
      await worker.terminate();
      channel.port1.close();
      returns.port1.close();
    },
  };
}
