import { ArtifactRefusal } from "../artifacts/refusal.js";

/** The ArtifactRefusal a call throws; fails the test when it returns or throws anything else. */
export function refusalOf(fn: () => unknown): ArtifactRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArtifactRefusal) return err;
    throw err;
  }
  throw new Error("expected an ArtifactRefusal");
}
