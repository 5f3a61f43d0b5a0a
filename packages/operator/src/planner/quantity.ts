const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes resource quantity ("1", "500m", "2Gi", "1e3", or a plain number). */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  const scale = m ? SUFFIXES[m[2] ?? ""] : undefined;
  if (!m || scale === undefined) throw new Error(`"${quantity}" is not a Kubernetes quantity like 1, 500m or 2Gi`);
  return Number(m[1]) * scale;
}
