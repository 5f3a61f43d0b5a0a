import { createHash } from "node:crypto";
import type { EdgeModel, EdgeRuntime } from "@edgefleet/api";
import { inSpan } from "@edgefleet/kit";
import { kubeTime } from "@edgefleet/kube";
import type { V1Node } from "@kubernetes/client-node";
import { type Tracer, trace } from "@opentelemetry/api";
import { ALONE, type Capacity, type Claim, claimsAnything, coMembers } from "./capacity.js";
import { type ClassPlan, type Plan, plan } from "./plan.js";

/** Where the ledger reads the fleet: the controller's caches. */
export interface LedgerSource {
  model(key: string): EdgeModel | undefined;
  models(): readonly EdgeModel[];
  runtimes(): readonly EdgeRuntime[];
  nodes(): readonly V1Node[];
}

/** A class whose plan capacity can change: it claims something, or capacity ruled out an option. */
interface SensitiveClass {
  name: string;
  nodes: readonly string[];
  claim: Claim | undefined;
}

interface Entry {
  order: string;
  /** Hash of what the plan says that capacity can change: a change means the model needs a reconcile. */
  signature: string;
  sensitive: SensitiveClass[];
}

interface NodeClaim {
  key: string;
  order: string;
  claim: Claim;
}

/** Net change of claims on one node between the ledger before and after a settle, by amount or member. */
type Delta = Map<string, Map<string, number>>;

/**
 * Who gets the fleet's accelerators and memory: every EdgeModel's plan, made in a fixed order
 * (creation time, then namespace/name: an older model keeps what it has, and a restarted
 * operator gets the same answer) with what the models before it left. The result is a pure
 * function of the caches; this class keeps it up to date as they change instead of replanning
 * every model on every reconcile: a changed model is replanned, and after it only the younger
 * models on its classes whose capacity actually changed (the net change of claims on their
 * nodes), so a freed GPU replans the models until one takes it, and no further.
 */
export class CapacityLedger {
  readonly #source: LedgerSource;
  readonly #entries = new Map<string, Entry>();
  /** Node → the claims on it, of any order. Only claims that take something; bounded by what fits. */
  readonly #claims = new Map<string, NodeClaim[]>();
  /**
   * A copy of #claims for capacityFor, made at the first call after the claims last changed:
   * every reconcile between two settles that move a claim (all of a cold start's 10,000) shares
   * one, instead of each copying the map.
   */
  #claimsSnapshot: ReadonlyMap<string, readonly NodeClaim[]> | undefined;
  /** Hardware class → models sensitive to capacity there. */
  readonly #sensitive = new Map<string, Set<string>>();
  /** The same node list for every model that runs on the same nodes of a class. */
  readonly #nodeLists = new Map<string, readonly string[]>();
  /** Plans made for models a reconcile is queued for (touched or changed), until it takes them. */
  readonly #plans = new Map<string, { model: EdgeModel; plan: Plan }>();
  readonly #dirty = new Set<string>();
  #rebuild = true;
  /**
   * Which of this settle's plans get a span, in the trace of the reconcile that settles: all of a
   * settle's few, but in a full pass (every model) only the reconciled model's.
   */
  #traced: (key: string) => boolean = () => false;
  #settling: Promise<void> | undefined;
  readonly #tracer: Tracer;

  constructor(source: LedgerSource, tracer: Tracer = trace.getTracer("@edgefleet/operator")) {
    this.#source = source;
    this.#tracer = tracer;
  }

  /** The model was added, deleted or given a new spec, or a node it selects changed. */
  touch(key: string): void {
    this.#dirty.add(key);
  }

  /** The runtimes changed, or this instance took the lead: replan every model at the next settle. */
  touchAll(): void {
    this.#rebuild = true;
  }

  /**
   * Brings the ledger in line with the caches. changed: the models, other than those touched, whose
   * placement changed because of others (a freed GPU taken, a device taken away), each needing a
   * reconcile; replanned: how many models it planned to get there. One settle runs at a time, and
   * it yields to the event loop between plans (a first one plans every model: seconds at 10,000),
   * so the leader's lease renewals and probes are never held up. reconciling: the model whose
   * reconcile settles, whose plan is traced even in a full pass.
   */
  async settle(reconciling?: string): Promise<{ changed: string[]; replanned: number }> {
    while (this.#settling) await this.#settling;
    if (!this.#rebuild && this.#dirty.size === 0) return { changed: [], replanned: 0 };
    this.#traced = this.#rebuild ? (key) => key === reconciling : () => true;
    // A settle cut short (a plan threw) leaves the ledger half-updated: the next one starts over.
    const run = this.#settle().catch((err: unknown) => {
      this.#rebuild = true;
      throw err;
    });
    this.#settling = run.then(
      () => {},
      () => {},
    );
    try {
      return await run;
    } finally {
      this.#settling = undefined;
    }
  }

  async #settle(): Promise<{ changed: string[]; replanned: number }> {
    const work = new OrderHeap();
    const delta: Delta = new Map();
    let touched: Set<string>;
    if (this.#rebuild) {
      this.#rebuild = false;
      this.#dirty.clear();
      for (const store of [this.#entries, this.#claims, this.#sensitive, this.#nodeLists, this.#plans]) store.clear();
      this.#claimsSnapshot = undefined;
      const models = this.#source.models();
      touched = new Set(models.map(keyOf));
      for (const m of models) work.push(keyOf(m), orderOf(m));
    } else {
      touched = new Set(this.#dirty);
      this.#dirty.clear();
      // Deleted and created again under the same name: it leaves its old place in the order first,
      // every such model before any is queued (a queued model keeps the order it was queued with).
      const recreated: [string, Entry][] = [];
      for (const key of touched) {
        const model = this.#source.model(key);
        const before = this.#entries.get(key);
        if (model && before && before.order !== orderOf(model)) recreated.push([key, before]);
      }
      for (const [key, before] of recreated) this.#forget(key, before);
      for (const [key, before] of recreated) this.#propagate(key, before.order, before, undefined, delta, work);
      for (const key of touched) {
        const model = this.#source.model(key);
        const order = model ? orderOf(model) : this.#entries.get(key)?.order;
        if (order !== undefined) work.push(key, order);
      }
    }
    let touchedLeft = [...touched].filter((k) => work.has(k)).length;
    const changed = new Set<string>();
    let replanned = 0;
    for (let next = work.pop(); next; next = work.pop()) {
      const { key, order } = next;
      const isTouched = touched.has(key);
      if (isTouched) touchedLeft--;
      // Every later model's capacity is as it was: nothing after this one can change.
      else if (delta.size === 0 && touchedLeft === 0) break;
      const before = this.#entries.get(key);
      if (!isTouched && !before?.sensitive.some((c) => c.nodes.some((n) => delta.has(n)))) continue;
      if (++replanned % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      const after = this.#replan(key, before, isTouched);
      if (!isTouched && before?.signature !== after?.signature) changed.add(key);
      // Whoever shares a device this model joined or left says so in its status: a reconcile each.
      for (const other of this.#propagate(key, order, before, after, delta, work)) if (!touched.has(other)) changed.add(other);
    }
    return { changed: [...changed], replanned };
  }

  /**
   * Adds a model's change of claims to the delta, and queues the younger models on the classes it
   * changed. Returns the models sharing devices the model joined or left.
   */
  #propagate(key: string, order: string, before: Entry | undefined, after: Entry | undefined, delta: Delta, work: OrderHeap): string[] {
    const moved = movedClasses(before, after);
    const sharedWith = new Set<string>();
    for (const [entry, sign] of [
      [before, -1],
      [after, +1],
    ] as const) {
      for (const c of entry?.sensitive ?? []) {
        if (!moved.has(c.name)) continue;
        addDelta(delta, c, key, sign);
        const group = c.claim?.sharing?.group;
        if (group)
          for (const n of c.nodes) for (const x of this.#claims.get(n) ?? []) if (x.claim.sharing?.group === group) sharedWith.add(x.key);
      }
    }
    sharedWith.delete(key);
    for (const cls of moved) {
      for (const other of this.#sensitive.get(cls) ?? []) {
        const o = this.#entries.get(other)?.order;
        if (o !== undefined && o > order) work.push(other, o);
      }
    }
    return [...sharedWith];
  }

  /**
   * For a reconcile: what the models before this one take, read once no settle is under way (one
   * yields midway, when older models are replanned and younger ones not yet), and the plan the
   * last settle made for the model, once, when made from this very object (the cache replaces an
   * object that changes), so the reconcile it queued need not plan again.
   */
  async placementFor(key: string, model: EdgeModel): Promise<{ capacity: Capacity; plan?: Plan }> {
    while (this.#settling) await this.#settling;
    const made = this.#plans.get(key);
    this.#plans.delete(key);
    const capacity = this.capacityFor(key);
    if (made?.model !== model) return { capacity };
    // The ledger plans without co-members (a younger one is not planned yet): status reads them now.
    const classes = made.plan.classes.map((c) => {
      const group = c.placed ? c.choice.claim.sharing?.group : undefined;
      return c.placed && group ? { ...c, choice: { ...c.choice, sharedWith: coMembers(capacity, c.nodes, group) } } : c;
    });
    return { capacity, plan: { ...made.plan, classes } };
  }

  /**
   * What the models before this one take, and who shares devices with it, as of now: later settles
   * do not change it (a node's claims are replaced, never edited). Call settle first; a model the
   * ledger does not hold is planned alone.
   */
  capacityFor(key: string): Capacity {
    const order = this.#entries.get(key)?.order;
    if (order === undefined) return ALONE;
    this.#claimsSnapshot ??= new Map(this.#claims);
    return this.#view(order, this.#claimsSnapshot, key);
  }

  /** self: the model whose co-members the view names; without one (while planning) it names none. */
  #view(order: string, claims: ReadonlyMap<string, readonly NodeClaim[]> = this.#claims, self?: string): Capacity {
    const older = (node: string) => (claims.get(node) ?? []).filter((c) => c.order < order);
    return {
      taken: (node, resource) => older(node).reduce((sum, c) => sum + (c.claim.resources[resource] ?? 0), 0),
      freeSlots: (node, group, maxModels) =>
        older(node).reduce((n, c) => {
          if (c.claim.sharing?.group !== group) return n;
          return n + (c.claim.sharing.role === "holder" ? maxModels - 1 : -1);
        }, 0),
      holders: (node, group) =>
        older(node).reduce((n, c) => n + (c.claim.sharing?.group === group && c.claim.sharing.role === "holder" ? 1 : 0), 0),
      members: (node, group) =>
        self === undefined
          ? []
          : (claims.get(node) ?? [])
              .filter((c) => c.key !== self && c.claim.sharing?.group === group)
              .sort((a, b) => (a.order < b.order ? -1 : 1))
              .map((c) => c.key),
    };
  }

  #replan(key: string, before: Entry | undefined, touched: boolean): Entry | undefined {
    if (before) this.#forget(key, before);
    this.#plans.delete(key);
    const model = this.#source.model(key);
    if (!model || model.metadata.deletionTimestamp) return undefined;
    const order = orderOf(model);
    const nodes = this.#source.nodes();
    const planned = () => plan({ model, runtimes: this.#source.runtimes(), nodes, capacity: this.#view(order) });
    // The reconcile that settles is the trace these plans belong to (the rollout engine's "plan" span, made here instead).
    const attributes = { "edgefleet.version": model.spec.version, "edgefleet.nodes": nodes.length, "edgefleet.key": key };
    const result = this.#traced(key) ? inSpan(this.#tracer, "plan", { attributes }, planned) : planned();
    const entry: Entry = { order, signature: signature(result), sensitive: [] };
    if (touched || before?.signature !== entry.signature) this.#plans.set(key, { model, plan: result });
    for (const c of result.classes) {
      // Shared with every plan of the same nodes: a cold start holds 10,000 plans until their reconciles take them.
      c.nodes = this.#intern(c.nodes);
      const claim = c.placed && claimsAnything(c.choice.claim) ? c.choice.claim : undefined;
      if (!claim && !c.capacityLimited) continue;
      const nodes = c.nodes;
      entry.sensitive.push({ name: c.hardwareClass, nodes, claim });
      const models = this.#sensitive.get(c.hardwareClass) ?? new Set<string>();
      this.#sensitive.set(c.hardwareClass, models.add(key));
      if (!claim) continue;
      for (const n of nodes) this.#claims.set(n, [...(this.#claims.get(n) ?? []), { key, order, claim }]);
      this.#claimsSnapshot = undefined;
    }
    this.#entries.set(key, entry);
    return entry;
  }

  #forget(key: string, entry: Entry): void {
    this.#entries.delete(key);
    for (const c of entry.sensitive) {
      const models = this.#sensitive.get(c.name);
      models?.delete(key);
      if (models?.size === 0) this.#sensitive.delete(c.name);
      if (!c.claim) continue;
      this.#claimsSnapshot = undefined;
      for (const n of c.nodes) {
        const left = (this.#claims.get(n) ?? []).filter((x) => x.key !== key);
        if (left.length) this.#claims.set(n, left);
        else this.#claims.delete(n);
      }
    }
  }

  #intern(nodes: readonly string[]): readonly string[] {
    // Lists of nodes long gone pile up as the fleet churns: start afresh now and then (lists in use stay with their holders).
    if (this.#nodeLists.size > MAX_NODE_LISTS) this.#nodeLists.clear();
    const id = nodes.join("\n");
    const list = this.#nodeLists.get(id) ?? nodes;
    this.#nodeLists.set(id, list);
    return list;
  }
}

/** The hardware classes whose claims differ between two entries of one model (nodes or what is claimed). */
function movedClasses(before: Entry | undefined, after: Entry | undefined): Set<string> {
  const describe = (e: Entry | undefined) =>
    new Map((e?.sensitive ?? []).filter((c) => c.claim).map((c) => [c.name, JSON.stringify([c.nodes, c.claim])]));
  const a = describe(before);
  const b = describe(after);
  const moved = new Set<string>();
  for (const name of new Set([...a.keys(), ...b.keys()])) if (a.get(name) !== b.get(name)) moved.add(name);
  return moved;
}

function addDelta(delta: Delta, c: SensitiveClass, key: string, sign: 1 | -1): void {
  if (!c.claim) return;
  const parts: [string, number][] = Object.entries(c.claim.resources).map(([r, v]) => [`resource:${r}`, v * sign]);
  // Members are named: who shares a device shows in the sharers' status even when the amounts net out.
  if (c.claim.sharing) parts.push([`member:${c.claim.sharing.group}:${c.claim.sharing.role}:${key}`, sign]);
  for (const n of c.nodes) {
    const node = delta.get(n) ?? new Map<string, number>();
    for (const [what, v] of parts) {
      const sum = (node.get(what) ?? 0) + v;
      if (Math.abs(sum) < 1e-9) node.delete(what);
      else node.set(what, sum);
    }
    if (node.size) delta.set(n, node);
    else delta.delete(n);
  }
}

/** Distinct node lists interned before the table starts afresh: selectors × classes × limits in use, with room. */
const MAX_NODE_LISTS = 10_000;

/** Plans between two yields to the event loop: about 25 ms at 1.5 ms per plan on 500 nodes. */
const YIELD_EVERY = 16;

/** Models to plan, oldest first; a model pushed twice is planned once. */
class OrderHeap {
  readonly #items: { key: string; order: string }[] = [];
  readonly #seen = new Set<string>();

  has(key: string): boolean {
    return this.#seen.has(key);
  }

  push(key: string, order: string): void {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const items = this.#items;
    items.push({ key, order });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as { order: string }).order <= order) break;
      [items[i], items[parent]] = [items[parent] as { key: string; order: string }, items[i] as { key: string; order: string }];
      i = parent;
    }
  }

  pop(): { key: string; order: string } | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last || items.length === 0) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < items.length && (items[l]?.order ?? "") < (items[least]?.order ?? "")) least = l;
      if (r < items.length && (items[r]?.order ?? "") < (items[least]?.order ?? "")) least = r;
      if (least === i) break;
      [items[i], items[least]] = [items[least] as { key: string; order: string }, items[i] as { key: string; order: string }];
      i = least;
    }
    return top;
  }
}

function keyOf(model: EdgeModel): string {
  return `${model.metadata.namespace ?? ""}/${model.metadata.name ?? ""}`;
}

/**
 * Creation time, then namespace/name: the order in which models get what the fleet has. Numbers
 * in names compare as numbers (model-9 before model-10): creation times have one-second
 * resolution, and models created in a burst are usually numbered in the order they were created,
 * so a model created later in the same second does not take what an earlier one was given.
 */
export function orderOf(model: EdgeModel): string {
  const created = model.metadata.creationTimestamp as unknown;
  const time = created instanceof Date ? kubeTime(created) : String(created ?? "");
  return `${time} ${keyOf(model).replace(/\d+/g, (digits) => digits.padStart(NUMBER_WIDTH, "0"))}`;
}

/** Digits a number in a name is padded to for ordering; longer numbers still order by their digits. */
const NUMBER_WIDTH = 12;

/** What of a plan capacity can change, hashed: the choice, its claim and sharing, and the reasons. */
function signature(p: Plan): string {
  const summary = p.classes.map((c: ClassPlan) =>
    c.placed
      ? [c.hardwareClass, c.choice.variant.name, c.choice.runtime.metadata.name, c.choice.accelerator, c.choice.claim, c.passedOver]
      : [c.hardwareClass, c.reason],
  );
  return createHash("sha1").update(JSON.stringify(summary)).digest("base64");
}
