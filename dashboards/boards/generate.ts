import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KIT_DIRS } from "../load.js";
import { boards } from "./index.js";

/** Writes the Grafana dashboards under dashboards/grafana/: `npx tsx dashboards/boards/generate.ts`. */
for (const [file, model] of Object.entries(boards())) {
  await writeFile(join(KIT_DIRS.grafana, file), `${JSON.stringify(model, null, 2)}\n`);
  console.log(`wrote dashboards/grafana/${file}`);
}
