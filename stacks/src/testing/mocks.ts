import * as pulumi from "@pulumi/pulumi";

/** One resource the program registered, as the engine would have seen it. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  /** Inputs with secrets unwrapped to their values. */
  readonly inputs: Record<string, unknown>;
  /** Dotted paths of inputs sent as secrets ("connection.privateKey"). */
  readonly secretPaths: readonly string[];
  /** Names of the resources it waits for: dependsOn plus those whose outputs its inputs use. */
  readonly dependsOn: readonly string[];
  /** "type::name" of its parent, "" for the stack's direct children. */
  readonly parent: string;
}

// The wire form of a secret input (sdk/nodejs/runtime/rpc.ts's specialSigKey/specialSecretSig).
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
// urn:pulumi:<stack>::<project>::<parent types, $-separated>$<type>::<name>
const keyOf = (urn: string) => {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  return `${qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1)}::${name}`;
};

function secretPaths(value: unknown, path: string, out: string[]): string[] {
  if (typeof value !== "object" || value === null) return out;
  const obj = value as Record<string, unknown>;
  if (obj[SIG] === SECRET) {
    out.push(path);
    return out;
  }
  for (const [key, v] of Object.entries(obj)) secretPaths(v, path ? `${path}.${key}` : key, out);
  return out;
}

// Mocks hand some inputs over still in their secret wire form; tests read the values.
function unwrapSecrets(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  const obj = value as Record<string, unknown>;
  if (obj[SIG] === SECRET) return unwrapSecrets(obj.value);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): { toJavaScript(): unknown } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (deps: { getUrnsList(): string[] }) => void): void };
}

/**
 * Pulumi's mocks (resources echo their inputs as outputs), recording every registration with what
 * setMocks alone does not expose: secret-ness and dependencies, read off the raw request.
 */
export async function recordResources(
  /** Outputs a mocked resource has beyond its inputs (a Command's stdout). */
  outputs: (type: string, inputs: Record<string, unknown>) => Record<string, unknown> = () => ({}),
): Promise<{ resources: Registered[]; settled: () => Promise<Registered[]> }> {
  const resources: Registered[] = [];
  const inputs = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputs.set(`${args.type}::${args.name}`, unwrapSecrets(args.inputs) as Record<string, unknown>);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs(args.type, args.inputs) } };
      },
      call: (args) => args.inputs,
    },
    "edgefleet",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): Promise<void> };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const deps = new Set(req.getDependenciesList().map(nameOf));
    req.getPropertydependenciesMap().forEach((d) => {
      for (const urn of d.getUrnsList()) deps.add(nameOf(urn));
    });
    resources.push({
      type: req.getType(),
      name: req.getName(),
      inputs: {},
      secretPaths: secretPaths(req.getObject()?.toJavaScript(), "", []),
      dependsOn: [...deps].sort(),
      parent: req.getParent() ? keyOf(req.getParent()) : "",
    });
    return register(req, cb);
  };
  const settled = async () => {
    // Registrations trickle in as outputs resolve; done when none arrived for a while.
    for (let idle = 0, seen = -1; idle < 50; ) {
      await new Promise((r) => setImmediate(r));
      idle = resources.length === seen ? idle + 1 : 0;
      seen = resources.length;
    }
    for (const r of resources) Object.assign(r.inputs, inputs.get(`${r.type}::${r.name}`));
    return resources;
  };
  return { resources, settled };
}

/** The resources under the component `type::name`, at any depth. */
export function descendants(resources: readonly Registered[], root: string): Registered[] {
  const keys = new Set([root]);
  const out: Registered[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of resources) {
      const key = `${r.type}::${r.name}`;
      if (keys.has(r.parent) && !keys.has(key)) {
        keys.add(key);
        out.push(r);
        grew = true;
      }
    }
  }
  return out;
}
