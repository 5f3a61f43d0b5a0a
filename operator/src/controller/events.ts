import { randomBytes } from "node:crypto";
import type { KubeClient } from "../kube/client.js";
import { collectionPath, type KubeObject, RESOURCES } from "../kube/objects.js";
import type { Logger } from "../observe/log.js";

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
  now?: () => Date;
}

const NOTE_MAX = 1024;

/** Writes events.k8s.io/v1 Events, which `kubectl describe` and `kubectl events` show. */
export function apiEventRecorder({ client, controller, instance, log, now = () => new Date() }: ApiEventRecorderOptions): EventRecorder {
  return {
    record(regarding, { type, reason, note }) {
      const { name, namespace, uid, resourceVersion } = regarding.metadata;
      if (!name || !namespace) return;
      const event = {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: `${name}.${randomBytes(8).toString("hex")}`, namespace },
        eventTime: now().toISOString().replace("Z", "000Z"),
        reportingController: controller,
        reportingInstance: instance,
        action: "Reconcile",
        type,
        reason,
        note: note.slice(0, NOTE_MAX),
        regarding: { apiVersion: regarding.apiVersion, kind: regarding.kind, name, namespace, uid, resourceVersion },
      };
      client
        .request({ method: "POST", path: collectionPath(RESOURCES.events, namespace), body: event })
        .catch((err: unknown) => log.warn("event not recorded", { reason, object: `${namespace}/${name}`, error: String(err) }));
    },
  };
}
