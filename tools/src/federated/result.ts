/** What a federated run reports: the app's rounds (rounds.jsonl) and result (result.json), and the devices' traffic. */

/** One round, as the ServerApp writes it when the round's evaluation is in (server_app.py, Rounds). */
export interface Round {
  round: number;
  /** Devices sampled for the round; dropouts of them did not reply. */
  sampled: number;
  /** Devices connected when the round sampled (its DP sampling rate is sampled / available). */
  available?: number;
  participants: number;
  dropouts: number;
  /** The devices' mean training loss (weighted as the average is); null when no device replied. */
  trainLoss: number | null;
  /** Log loss and accuracy of the round's global model on the 540 evaluation images. */
  loss: number;
  accuracyPercent: number;
  seconds: number;
  /** Spent after this round, with DP on. */
  epsilon?: number;
  /** Mean bytes a device that took part received and sent in the round, all its messages together. */
  bytesPerDevice?: { received: number; sent: number };
}

export interface FederatedResult {
  roundsRequested: number;
  /** What the privacy budget allowed of the requested rounds (all of them with DP off). */
  roundsPlanned: number;
  rounds: Round[];
  seconds: number;
  finalAccuracyPercent: number;
  /** The same MLP trained centrally on the union of the devices' images (tools/edgefleet model example's). */
  centralizedAccuracyPercent: number;
  epsilon: number | null;
  model: string;
  calibration: string;
  evaluation: string;
}

/** One message a device handled, as the app's traffic_mod appends it (traffic.py). */
export interface Traffic {
  device: number;
  /** Flower's group id of the message: the round, as a string. */
  round: string;
  received: number;
  sent: number;
}

/** The JSON lines of a file: whole lines only, the rest is left for the next read. */
export function jsonLines<T>(text: string): { items: T[]; rest: string } {
  const end = text.lastIndexOf("\n");
  const items = text
    .slice(0, end + 1)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
  return { items, rest: text.slice(end + 1) };
}

/** Each round's mean bytes per device that exchanged messages in it. */
export function bytesPerDevice(traffic: readonly Traffic[]): Map<number, { received: number; sent: number }> {
  const byRound = new Map<number, Map<number, { received: number; sent: number }>>();
  for (const t of traffic) {
    const round = Number(t.round);
    const devices = byRound.get(round) ?? new Map<number, { received: number; sent: number }>();
    byRound.set(round, devices);
    const sum = devices.get(t.device) ?? { received: 0, sent: 0 };
    devices.set(t.device, { received: sum.received + t.received, sent: sum.sent + t.sent });
  }
  const mean = new Map<number, { received: number; sent: number }>();
  for (const [round, devices] of byRound) {
    const all = [...devices.values()];
    const avg = (f: (x: { received: number; sent: number }) => number) => Math.round(all.reduce((s, x) => s + f(x), 0) / all.length);
    mean.set(round, { received: avg((x) => x.received), sent: avg((x) => x.sent) });
  }
  return mean;
}

/** The result with each round's bytes per device from the traffic. */
export function withTraffic(result: FederatedResult, traffic: readonly Traffic[]): FederatedResult {
  const bytes = bytesPerDevice(traffic);
  return {
    ...result,
    rounds: result.rounds.map((r) => {
      const b = bytes.get(r.round);
      return b ? { ...r, bytesPerDevice: b } : r;
    }),
  };
}

/** The progress line of a round. */
export function roundLine(r: Round, planned: number): string {
  const parts = [
    `round ${r.round}/${planned}: ${r.participants} of ${r.sampled} sampled devices replied (${r.dropouts} dropped out)${r.available === undefined ? "" : `, ${r.available} connected`}`,
    `loss ${r.loss.toFixed(3)}`,
    `accuracy ${r.accuracyPercent.toFixed(2)}%`,
  ];
  if (r.epsilon !== undefined) parts.push(`epsilon ${r.epsilon.toFixed(3)}`);
  parts.push(`${r.seconds.toFixed(1)} s`);
  return parts.join(", ");
}

/** The closing lines: what the run reached against central training. */
export function summary(r: FederatedResult): string {
  const lines = [
    `federated: ${r.finalAccuracyPercent.toFixed(2)}% after ${r.rounds.length} round(s) in ${r.seconds.toFixed(0)} s; centralized: ${r.centralizedAccuracyPercent.toFixed(2)}% (${(r.finalAccuracyPercent - r.centralizedAccuracyPercent).toFixed(2)} points)`,
  ];
  if (r.epsilon !== null)
    lines.push(
      `epsilon spent: ${r.epsilon.toFixed(3)}${r.roundsPlanned < r.roundsRequested ? ` (the budget allowed ${r.roundsPlanned} of ${r.roundsRequested} rounds)` : ""}`,
    );
  lines.push(`model: ${r.model}`);
  return `${lines.join("\n")}\n`;
}
