import { type Static, Type } from "@sinclair/typebox";
import type { SpecObject } from "./group.js";
import { DnsLabel, DottedVersion } from "./kube-schema.js";

/** A namespace or model name, or a glob of one where `*` stands for any run of characters: "vision", "team-*", "*". */
const NAME_GLOB_PATTERN = "^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$";

const NameGlob = (description: string) => Type.String({ minLength: 1, maxLength: 63, pattern: NAME_GLOB_PATTERN, description });

/** The PEM armour of an SPKI public key, as openssl, cosign and edgefleet's signer write it. */
export const PUBLIC_KEY_PEM_PATTERN = "^\\s*-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----\\s*$";

const TrustedKeySchema = Type.Object(
  {
    name: DnsLabel({ description: "Name of the key within the policy, for messages and rotation: e.g. vision-2026." }),
    publicKey: Type.String({
      minLength: 1,
      maxLength: 4096,
      pattern: PUBLIC_KEY_PEM_PATTERN,
      description:
        "The PEM-encoded public key (SPKI, one BEGIN PUBLIC KEY block): Ed25519 for edgefleet signature files, ECDSA P-256 or RSA for cosign signatures, ECDSA, RSA or Ed25519 for Sigstore bundles. Inline, not a Secret: public keys are not secret, and runtime pods in tenants' namespaces receive it in their environment.",
    }),
    namespaces: Type.Array(NameGlob('A namespace the key may sign models of, or a glob: "vision", "team-*", "*".'), {
      minItems: 1,
      maxItems: 64,
      "x-kubernetes-list-type": "set",
      description: "Namespaces whose EdgeModels this key may sign.",
    }),
    models: Type.Optional(
      Type.Array(NameGlob('An EdgeModel name, or a glob: "detector", "detector-*".'), {
        minItems: 1,
        maxItems: 64,
        "x-kubernetes-list-type": "set",
        description: "EdgeModel names, within those namespaces, the key may sign; unset means every model there.",
      }),
    ),
  },
  { description: "A public key the platform team trusts to sign some namespaces' (and models') artifacts." },
);

const SourcePrefix = Type.String({
  minLength: 1,
  maxLength: 2048,
  // A host and a slash at least: "https://models.example.com" alone would admit "https://models.example.com.evil.org/".
  pattern: "^(https|oci)://[^/\\s]+/\\S*$",
  description: 'A URI prefix, ending in a host and a path: "https://models.example.com/vision/", "oci://registry.example.com/vision/".',
});

const MinimumVersionSchema = Type.Object(
  {
    models: Type.Array(NameGlob('An EdgeModel name, or a glob: "detector", "detector-*", "*".'), {
      minItems: 1,
      maxItems: 64,
      "x-kubernetes-list-type": "set",
      description: "EdgeModel names (within the namespaces the policy's keys cover) this minimum applies to.",
    }),
    version: DottedVersion({
      description:
        'The oldest spec.version these models may run, dotted numeric ("2.1", "2026.11.1"): older builds are known bad. A model whose spec.version is not dotted numeric cannot be ordered and is refused.',
    }),
  },
  { description: "A minimum version for some models: builds below it are refused." },
);

export const ModelTrustPolicySpecSchema = Type.Object(
  {
    keys: Type.Array(TrustedKeySchema, {
      minItems: 1,
      maxItems: 32,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      description:
        "The keys whose signatures devices accept for the models each covers. Several keys may cover the same models: devices accept a signature by any of them, so a new key can be added before the old one is removed (rotation).",
    }),
    sources: Type.Optional(
      Type.Array(SourcePrefix, {
        minItems: 1,
        maxItems: 64,
        "x-kubernetes-list-type": "set",
        description:
          "Where the artifacts and signature files of the models this policy covers may be fetched from: every artifact.uri and artifact.signature.uri must start with one of these prefixes. Unset means anywhere.",
      }),
    ),
    allowUnscopedSignatures: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Also accept signatures that name no namespace or variant (edgefleet v1 statements, cosign signatures, Sigstore and model-signing bundles) for the models this policy covers. Off: devices accept only edgefleet v2 statements, which name namespace, model, variant, version and sha256, so a signature cannot be replayed for another namespace or variant.",
      }),
    ),
    minimumVersions: Type.Optional(
      Type.Array(MinimumVersionSchema, {
        minItems: 1,
        maxItems: 64,
        description:
          "Minimum versions of the models this policy covers, to refuse known-bad builds: a model whose spec.version is below the version of any entry matching its name does not satisfy the policy.",
      }),
    ),
    maxArtifactBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        format: "int64",
        description: "Largest artifact.sizeBytes a variant of a model this policy covers may have. Unset means no bound.",
      }),
    ),
  },
  { description: "Which keys may sign which namespaces' models, and where their artifacts may come from." },
);
export type ModelTrustPolicySpec = Static<typeof ModelTrustPolicySpecSchema>;
export type TrustedKey = ModelTrustPolicySpec["keys"][number];

export type ModelTrustPolicy = SpecObject<"ModelTrustPolicy", ModelTrustPolicySpec>;
