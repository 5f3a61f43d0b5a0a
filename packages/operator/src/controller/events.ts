import { randomBytes } from "node:crypto";
import type { Clock, Logger } from "@edgefleet/kit";
import { systemClock } from "@edgefleet/kit";
import type { KubeClient } from "@edgefleet/kube";
import { collectionPath, type KubeObject, RESOURCES } from "@edgefleet/kube";
import { EventSpamFilter } from "./event-filter.js";

export interface EventNote {
  type: "Normal" | "Warning";
  /** UpperCamelCase, e.g. Ready or NoCompatibleVariant. */
  reason: string;
  note: string;
}

/** Records Kubernetes Events about objects; never fails the caller (an Event is best effort). */
export interface EventRecorder {
  record(regarding: KubeObject & { apiVersion: string; kind: string }, event: EventNote): void;
}

export interface ApiEventRecorderOptions {
  client: KubeClient;
  /** events.k8s.io reportingController, e.g. edgefleet.io/operator. */
  controller: string;
  /** This process, e.g. its pod name. */
  instance: string;
  log: Logger;
  /** Its wall clock stamps Events; the default filter refills on it. */
  clock?: Clock;
  /** Drops Events of a reason sent too often about one object (default: 10 at once, then one a minute). */
  filter?: EventSpamFilter;
  /** Counts each Event by what became of it: recorded, suppressed (by the filter) or failed. */
  observe?: (reason: string, result: EventResult) => void;
}

export type EventResult = "recorded" | "suppressed" | "failed";

const NOTE_MAX = 1024;

/** Writes events.k8s.io/v1 Events, which `kubectl describe` and `kubectl events` show. */
export function apiEventRecorder({
  client,
  controller,
  instance,
  log,
  clock = systemClock,
  filter = new EventSpamFilter({ clock }),
  observe = () => {},
}: ApiEventRecorderOptions): EventRecorder {
  return {
    record(regarding, { type, reason, note }) {
      const { name, namespace, uid, resourceVersion } = regarding.metadata;
      if (!name || !namespace) return;
      if (!filter.allow(uid ?? `${regarding.kind}/${namespace}/${name}`, reason)) {
        observe(reason, "suppressed");
        return;
      }
      const event = {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: `${name}.${randomBytes(8).toString("hex")}`, namespace },
        eventTime: new Date(clock.wallMs()).toISOString().replace("Z", "000Z"),
        reportingController: controller,
        reportingInstance: instance,
        action: "Reconcile",
        type,
        reason,
        note: note.slice(0, NOTE_MAX),
        regarding: { apiVersion: regarding.apiVersion, kind: regarding.kind, name, namespace, uid, resourceVersion },
      };
      client.request({ method: "POST", path: collectionPath(RESOURCES.events, namespace), body: event }).then(
        () => observe(reason, "recorded"),
        (err: unknown) => {
          observe(reason, "failed");
          log.warn("event not recorded", { reason, object: `${namespace}/${name}`, error: String(err) });
        },
      );
    },
  };
}
