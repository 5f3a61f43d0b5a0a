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
  const from = `model=${quoted(serverName)},version=`;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# HELP edgefleet_runtime_") || line.startsWith("# TYPE edgefleet_runtime_")) {
      out.push(line);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m?.[1]?.startsWith("edgefleet_runtime_") || !m[2]?.startsWith(from)) continue;
    // The server's version label (the number it loaded the file as) gives way to the model's.
    const rest = m[2].slice(from.length).replace(/^"(?:[^"\\]|\\.)*"/, "");
    out.push(`${m[1]}{model=${quoted(model)},version=${quoted(version)}${rest}}${m[3]}`);
  }
  return `${out.join("\n")}\n`;
}
