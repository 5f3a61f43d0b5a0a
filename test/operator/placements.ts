import type { EdgeModel } from "@edgefleet/api";
import { eventually } from "../helpers/kube.js";
import { converged, type EdgeModels } from "./edgemodels.js";

/** "accelerator variant [role with [models]]" on the hardware class, as status says; "none" when not placed there. */
export function placementOn(model: EdgeModel | undefined, hardwareClass: string): string {
  const p = model?.status?.placements?.find((x) => x.hardwareClass === hardwareClass);
  return p ? `${p.accelerator} ${p.variant}${p.sharing ? ` ${p.sharing.role} with [${p.sharing.with.join(",")}]` : ""}` : "none";
}

/** Waits until each named model has converged with the placement on the class that want gives it; resolves to the models. */
export async function placedAs(
  models: EdgeModels,
  hardwareClass: string,
  want: Record<string, string>,
): Promise<Record<string, EdgeModel>> {
  let last = "";
  return eventually(`placements ${JSON.stringify(want)}`, async () => {
    const all = Object.fromEntries(await Promise.all(Object.keys(want).map(async (n) => [n, await models.get(n)] as const)));
    const got = Object.fromEntries(
      Object.entries(all).map(([n, m]) => [n, converged(m) ? placementOn(m, hardwareClass) : "not converged"]),
    );
    last = JSON.stringify(got);
    return JSON.stringify(got) === JSON.stringify(want) ? (all as Record<string, EdgeModel>) : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${last}`);
  });
}
