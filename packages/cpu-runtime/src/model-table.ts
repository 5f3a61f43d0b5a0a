import type { InferenceMetricFamilies, InferenceMetrics, ModelLabels } from "./metrics.js";
import { defaultMaxInputBytes, inferRequestParser } from "./request.js";
import type { LoadedModel, TensorSpec } from "./served-model.js";

/** A model's state as the model repository extension's index names it (Triton's). */
export type ModelState = "LOADING" | "READY" | "UNAVAILABLE";

/** A loaded model version, ready to serve; metadata JSON is rendered once. */
export interface Serving {
  readonly model: LoadedModel;
  readonly parse: ReturnType<typeof inferRequestParser>;
  readonly metadata: string;
  readonly outputs: ReadonlyMap<string, TensorSpec>;
  readonly metrics: InferenceMetrics;
  /** Runs fn as one request on this model: an unloaded model's engine is released only after its requests end. */
  use<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once no request uses the model. */
  drained(): Promise<void>;
}

/** A model name the runtime knows: loading, serving, or failed to load (with the reason). */
export interface Slot {
  readonly name: string;
  readonly version: string;
  readonly state: ModelState;
  readonly reason?: string;
  readonly serving?: Serving;
  readonly metrics: InferenceMetrics;
}

function tensorMetadata(specs: readonly TensorSpec[]) {
  return specs.map(({ name, datatype, shape }) => ({ name, datatype, shape }));
}

/**
 * The models a runtime serves, by name: one version each. A runtime started with one model knows
 * it before it loads (requests for it get 503, not 404); one under explicit model control loads and
 * unloads models while it serves the others. A reload keeps the old version serving until the new
 * one has loaded, and a model is released only once the requests using it have ended.
 */
export class ModelTable {
  private readonly slots = new Map<string, Slot>();
  /** Loads and unloads of one name run one after another. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly families: InferenceMetricFamilies,
    /** Most bytes one request's inputs may take; 0: defaultMaxInputBytes of each model. */
    private readonly maxInputBytes: number,
  ) {}

  get(name: string): Slot | undefined {
    return this.slots.get(name);
  }

  /** Every known model, as the repository index lists them. */
  index(): Slot[] {
    return [...this.slots.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** CPU milliseconds the loaded models' engines have spent outside this process. */
  cpuElsewhereMs(): number {
    let ms = 0;
    for (const slot of this.slots.values()) ms += slot.serving?.model.cpuElsewhereMs?.() ?? 0;
    return ms;
  }

  /** Names a model version before it loads (LOADING), keeping whatever version of it serves now. */
  expect(name: string, version: string): void {
    const current = this.slots.get(name);
    if (current?.serving) return;
    this.replace(current, { name, version, state: "LOADING", metrics: this.metricsFor(current, { name, version }) });
  }

  /** Serves model under its name, releasing the version it replaces once that one's requests end. */
  async serve(model: LoadedModel): Promise<void> {
    const previous = this.slots.get(model.name);
    const serving = this.serving(model, this.metricsFor(previous, model));
    this.replace(previous, { name: model.name, version: model.version, state: "READY", serving, metrics: serving.metrics });
    if (previous?.serving) await this.release(previous.serving);
  }

  /**
   * Loads a version of a model (make builds it) and serves it; a failed load leaves any version
   * already serving as it was, and is otherwise listed UNAVAILABLE with the reason.
   */
  load(name: string, version: string, make: () => Promise<LoadedModel>): Promise<void> {
    return this.queued(name, async () => {
      this.expect(name, version);
      let model: LoadedModel;
      try {
        model = await make();
      } catch (err) {
        const current = this.slots.get(name);
        if (!current?.serving && current) this.replace(current, { ...current, state: "UNAVAILABLE", reason: String(err) });
        throw err;
      }
      await this.serve(model);
    });
  }

  /** Stops serving the model and releases it once its requests end; a name not known is already unloaded. */
  unload(name: string): Promise<void> {
    return this.queued(name, async () => {
      const slot = this.slots.get(name);
      if (!slot) return;
      this.slots.delete(name);
      this.families.remove(slot);
      if (slot.serving) await this.release(slot.serving);
    });
  }

  /** Releases every model (at shutdown, once the server stopped taking requests). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((name) => this.unload(name)));
  }

  private queued(name: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(name) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return run;
  }

  private metricsFor(previous: Slot | undefined, model: ModelLabels): InferenceMetrics {
    if (previous && previous.version === model.version) return previous.metrics;
    return this.families.forModel(model);
  }

  private replace(previous: Slot | undefined, next: Slot): void {
    if (previous && previous.version !== next.version) this.families.remove(previous);
    this.slots.set(next.name, next);
  }

  private async release(serving: Serving): Promise<void> {
    await serving.drained();
    await serving.model.release();
  }

  private serving(model: LoadedModel, metrics: InferenceMetrics): Serving {
    let inFlight = 0;
    let idle: (() => void) | undefined;
    return {
      model,
      parse: inferRequestParser(model, this.maxInputBytes || defaultMaxInputBytes(model.inputs)),
      metadata: JSON.stringify({
        name: model.name,
        versions: [model.version],
        platform: model.platform,
        inputs: tensorMetadata(model.inputs),
        outputs: tensorMetadata(model.outputs),
      }),
      outputs: new Map(model.outputs.map((o) => [o.name, o])),
      metrics,
      async use(fn) {
        inFlight++;
        try {
          return await fn();
        } finally {
          if (--inFlight === 0) idle?.();
        }
      },
      drained: () =>
        inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              idle = resolve;
            }),
    };
  }
}
