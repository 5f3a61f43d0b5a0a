import { labels } from "../inference/runtime-metrics.js";

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}(.*)$/;

function quoted(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * The server's Prometheus text cut to one model's series, relabelled as a runtime serving that
 * model alone would label them (model and version: the EdgeModel's), so the edge agent reads a
 * shared server's latency through the loader exactly as it reads a runtime's of its own. The
 * families' HELP and TYPE lines are kept; other models' series and the server's process metrics
 * are not the loader's to show.
 */
export function modelSeries(text: string, serverName: string, model: string, version: string): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# HELP edgefleet_runtime_") || line.startsWith("# TYPE edgefleet_runtime_")) {
      out.push(line);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m?.[1]?.startsWith("edgefleet_runtime_")) continue;
    const sample = labels(m[2] ?? "");
    if (sample.get("model") !== serverName) continue;
    // The server's version label (the number it loaded the file as) gives way to the model's; the
    // other labels follow in their order, wherever the server put model and version.
    const rest = [...sample].filter(([name]) => name !== "model" && name !== "version").map(([name, value]) => `,${name}=${quoted(value)}`);
    out.push(`${m[1]}{model=${quoted(model)},version=${quoted(version)}${rest.join("")}}${m[3]}`);
  }
  return `${out.join("\n")}\n`;
}
