import { stringify } from "yaml";
import { DEFAULT_RUNTIMES } from "./catalog/default-runtimes.js";
import { allCRDs } from "./crds.js";

/** A generated file, relative to this package's directory. */
export interface GeneratedFile {
  path: string;
  content: string;
}

export const REGENERATE_COMMAND = "npx tsx packages/api/src/generate.ts";

const HEADER = `# Generated from packages/api/src by \`${REGENERATE_COMMAND}\`; do not edit.\n`;

// Sorted keys, like controller-gen's output, so a reordering in the TypeScript source is no diff.
const render = (doc: unknown) => stringify(doc, { sortMapEntries: true, lineWidth: 0 });

/** Every file generated from the TypeScript API: the CRDs and the default runtime catalog. */
export function generatedFiles(): GeneratedFile[] {
  return [
    ...allCRDs().map((crd) => ({ path: `crds/${crd.metadata.name}.yaml`, content: HEADER + render(crd) })),
    { path: "catalog/default-runtimes.yaml", content: HEADER + DEFAULT_RUNTIMES.map((r) => `---\n${render(r)}`).join("") },
  ];
}
