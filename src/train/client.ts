/**
 * The typed API the UI uses to talk to the lab worker (never postMessage directly). Every call gets a request
 * id; replies are matched by it. train() returns a handle: the result promise plus cancel / pause / resume,
 * and progress arrives through a callback.
 */
import type { DatasetSpec, PreprocessConfig, RunConfig } from '../core/run';
import { workerName } from './worker-flags';
import { deserializeError } from '../core/errors';
import type { BackendChoice, BackendName } from './backend';
import type { TrainProgress } from './loop';
import type { SeededStepResult } from './parity';
import type { GroupCheckpoint } from './run-key';
import type { CacheSaveOutcome, LoadProgress } from './dataset';
import {
  ReplyType,
  RequestType,
  type BenchmarkSummary,
  type DatasetSummary,
  type EvalOutput,
  type OpenedRun,
  type QueryResult,
  type RequestBody,
  type TrainOutput,
  type WorkerReply,
} from './protocol';

/** The part of a Worker the client needs (a real Worker, or an in-process stand-in in tests). */
export interface WorkerLike {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  terminate?(): void;
}

export interface TrainHandle {
  requestId: number;
  result: Promise<TrainOutput>;
  cancel(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
  onProgress?: (p: TrainProgress) => void;
  onGroupDone?: (cp: GroupCheckpoint) => void;
  onLoad?: (p: LoadProgress) => void;
}

/** Options of LabClient.train. */
export interface TrainRequestOptions {
  onProgress?: (p: TrainProgress) => void;
  /** an aborted signal cancels the run (the result rejects with CancelledError) */
  signal?: AbortSignal;
  /** after each trained split group: its checkpoint (keep them to resume a stopped run) */
  onGroupDone?: (cp: GroupCheckpoint) => void;
  /** checkpoints of an earlier, stopped run of the same runKey: those groups are not trained again (copied, not transferred) */
  resume?: GroupCheckpoint[];
}

/** an owned ArrayBuffer holding exactly these bytes (sliced when the view is part of a larger buffer) */
function ownBuffer(b: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (b instanceof ArrayBuffer) return b;
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer
    ? b.buffer
    : (b.slice().buffer as ArrayBuffer);
}

export class LabClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly baseUrl: string | undefined;

  constructor(
    private readonly worker: WorkerLike,
    opts: { baseUrl?: string } = {},
  ) {
    this.baseUrl = opts.baseUrl ?? (globalThis as { document?: { baseURI?: string } }).document?.baseURI;
    worker.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data as WorkerReply));
  }

  private onMessage(msg: WorkerReply) {
    const p = this.pending.get(msg.requestId);
    if (!p) return;
    if (msg.type === ReplyType.PROGRESS) {
      if ('load' in msg) p.onLoad?.(msg.load);
      else p.onProgress?.(msg.progress);
      return;
    }
    if (msg.type === ReplyType.GROUP_DONE) {
      p.onGroupDone?.(msg.checkpoint);
      return;
    }
    this.pending.delete(msg.requestId);
    if (msg.type === ReplyType.ERROR) p.reject(deserializeError(msg.error));
    else p.resolve(msg);
  }

  private send(
    body: RequestBody,
    transfer: Transferable[] = [],
    hooks: Pick<Pending, 'onProgress' | 'onGroupDone' | 'onLoad'> = {},
  ): { id: number; reply: Promise<WorkerReply> } {
    const id = this.nextId++;
    const reply = new Promise<WorkerReply>((resolve, reject) => this.pending.set(id, { resolve, reject, ...hooks }));
    this.worker.postMessage({ ...body, requestId: id }, transfer);
    return { id, reply };
  }

  private async expect<T extends WorkerReply['type']>(reply: Promise<WorkerReply>, type: T): Promise<Extract<WorkerReply, { type: T }>> {
    const r = await reply;
    if (r.type !== type) throw new Error(`LabClient: expected a ${type} reply, got ${r.type}`);
    return r as Extract<WorkerReply, { type: T }>;
  }

  /** select (or force) the tfjs backend now; returns the choice with its probe timings */
  async initBackend(backend?: BackendName | 'auto'): Promise<BackendChoice> {
    return (await this.expect(this.send({ type: RequestType.INIT_BACKEND, backend }).reply, ReplyType.BACKEND)).choice;
  }

  /**
   * Load a dataset into the worker (bytes for a local file are transferred: the caller's buffer is detached);
   * `onLoad` gets the load's steps (read, cache, parquet, validate, factors, preprocess, save) as they change.
   */
  async loadDataset(
    spec: DatasetSpec,
    prep: PreprocessConfig,
    bytes?: ArrayBuffer | Uint8Array,
    sectorsBytes?: ArrayBuffer | Uint8Array,
    onLoad?: (p: LoadProgress) => void,
  ): Promise<DatasetSummary> {
    const b = bytes ? ownBuffer(bytes) : undefined,
      s = sectorsBytes ? ownBuffer(sectorsBytes) : undefined;
    const transfer = [b, s].filter((x): x is ArrayBuffer => !!x);
    const body = { type: RequestType.LOAD_DATASET as const, spec, prep, bytes: b, sectorsBytes: s, baseUrl: this.baseUrl };
    const { reply } = this.send(body, transfer, { onLoad });
    return (await this.expect(reply, ReplyType.DATASET)).summary;
  }

  /**
   * Wait for the panel cache save the last load left running in the worker after its reply (a cold load of a file
   * or the bundled data): how it ended, or null when no save was pending. A reload right after a load should wait
   * for it, or the next page finds no cached panel.
   */
  async cacheSaved(): Promise<CacheSaveOutcome | null> {
    return (await this.expect(this.send({ type: RequestType.CACHE_SAVED }).reply, ReplyType.CACHE_SAVED)).outcome;
  }

  /** run SQL in the worker's DuckDB; at most the first 1000 rows come back */
  async query(sql: string): Promise<QueryResult> {
    return (await this.expect(this.send({ type: RequestType.QUERY, sql }).reply, ReplyType.QUERY_RESULT)).result;
  }

  /** run SQL in the worker's DuckDB and get its whole result as a CSV or parquet file (bytes transferred) */
  async exportQuery(sql: string, format: 'csv' | 'parquet'): Promise<{ bytes: Uint8Array; rows: number }> {
    const r = await this.expect(this.send({ type: RequestType.EXPORT_QUERY, sql, format }).reply, ReplyType.EXPORT_RESULT);
    return { bytes: new Uint8Array(r.bytes), rows: r.rows };
  }

  /**
   * Start a run. Progress via `onProgress`, a checkpoint per finished split group via `onGroupDone`; `resume` skips the
   * groups an earlier stopped run finished; an aborted `signal` cancels (the result rejects with CancelledError).
   */
  train(run: RunConfig, opts: TrainRequestOptions = {}): TrainHandle {
    const body = { type: RequestType.TRAIN as const, run, baseUrl: this.baseUrl, ...(opts.resume?.length ? { resume: opts.resume } : {}) };
    const { id, reply } = this.send(body, [], { onProgress: opts.onProgress, onGroupDone: opts.onGroupDone });
    const control = async (type: RequestType.CANCEL | RequestType.PAUSE | RequestType.RESUME) => {
      await this.send({ type, target: id }).reply;
    };
    opts.signal?.addEventListener(
      'abort',
      () => {
        void control(RequestType.CANCEL);
      },
      { once: true },
    );
    return {
      requestId: id,
      result: this.expect(reply, ReplyType.TRAIN_RESULT).then((r) => r.result),
      cancel: () => control(RequestType.CANCEL),
      pause: () => control(RequestType.PAUSE),
      resume: () => control(RequestType.RESUME),
    };
  }

  /**
   * Evaluate a finished run's scores again on the loaded panel (run.strategy, run.universe, and every universe) without
   * training. scoresByHorizon [H, D, N], testIndex [D] and the model's channels are copied, not transferred: the caller
   * keeps them. Alternative score channels come back evaluated alike (EvalOutput.alternatives).
   */
  async evaluate(
    run: RunConfig,
    scores: { scoresByHorizon: Float32Array; testIndex: Int32Array; horizons: number[]; channels?: Record<string, Float32Array> },
    bundle?: string,
  ): Promise<EvalOutput> {
    const { reply } = this.send({
      type: RequestType.EVALUATE,
      run,
      scoresByHorizon: scores.scoresByHorizon,
      testIndex: scores.testIndex,
      horizons: scores.horizons,
      channels: scores.channels,
      ...(bundle ? { bundle } : {}),
    });
    return (await this.expect(reply, ReplyType.EVAL_RESULT)).result;
  }

  /**
   * Parse a benchmark parquet file in the worker and keep it: every later evaluation (train, evaluate) measures excess
   * against it. The bytes are transferred (the caller's buffer is detached). Rejects with the LabError of a bad file.
   */
  async loadBenchmark(bytes: ArrayBuffer | Uint8Array, name: string): Promise<BenchmarkSummary> {
    const b = ownBuffer(bytes);
    return (await this.expect(this.send({ type: RequestType.LOAD_BENCHMARK, bytes: b, name }, [b]).reply, ReplyType.BENCHMARK)).summary;
  }

  /** write a run bundle of finished results in the worker (with its panel's grids, or those of the opened bundle `bundle`) */
  async saveBundle(
    name: string,
    methods: { label: string; output: TrainOutput }[],
    o: { bundle?: string; notes?: string[] } = {},
  ): Promise<Uint8Array> {
    const { reply } = this.send({ type: RequestType.SAVE_BUNDLE, name, methods, ...o });
    return new Uint8Array((await this.expect(reply, ReplyType.BUNDLE)).bytes);
  }

  /** open (validate) a run bundle in the worker; the bytes are transferred. Rejects with the BundleError naming the part. */
  async openBundle(bytes: ArrayBuffer | Uint8Array): Promise<OpenedRun> {
    const b = ownBuffer(bytes);
    return (await this.expect(this.send({ type: RequestType.OPEN_BUNDLE, bytes: b }, [b]).reply, ReplyType.BUNDLE_OPENED)).run;
  }

  /** forget the benchmark series: evaluations go back to the default (equal-weighted universe) */
  async clearBenchmark(): Promise<void> {
    await this.expect(this.send({ type: RequestType.CLEAR_BENCHMARK }).reply, ReplyType.OK);
  }

  /** one seeded training step on `backend` (for parity checks against cpu) */
  async seededStep(backend: BackendName): Promise<SeededStepResult> {
    return (await this.expect(this.send({ type: RequestType.SEEDED_STEP, backend }).reply, ReplyType.SEEDED_STEP_RESULT)).result;
  }

  terminate() {
    this.worker.terminate?.();
    for (const p of this.pending.values()) p.reject(new Error('LabClient: the worker was terminated'));
    this.pending.clear();
  }
}

/** Start the lab worker (browser) and return a client for it. */
export function createLabClient(): LabClient {
  // the page's ?wasmThreads / ?kernels A/B switches reach the worker through its name (its location is the script's)
  const search = (globalThis as { location?: { search?: string } }).location?.search ?? '';
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: workerName(search) });
  return new LabClient(worker);
}
