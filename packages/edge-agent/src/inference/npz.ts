import { inflateRawSync } from "node:zlib";

/**
 * A small reader of NumPy's .npz files (a zip of .npy arrays, numpy.savez and savez_compressed) for
 * the evaluation data builds write: little-endian float32 and int64 arrays in C order. Anything else
 * is refused with the file and what it holds named, never guessed at. Bounded: at most MAX_ENTRIES
 * arrays, each at most the file's own limit once inflated.
 */

/** The dtypes read, by their .npy descr: what tools/edgefleet model build writes (images and labels). */
const DTYPES = { "<f4": "float32", "<i8": "int64" } as const;
type Descr = keyof typeof DTYPES;

export type NpyArray =
  | { readonly dtype: "float32"; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: "int64"; readonly shape: readonly number[]; readonly data: BigInt64Array };

/** More arrays than an evaluation file has: a zip with more is not one. */
const MAX_ENTRIES = 16;
const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** The arrays of an .npz by name (without ".npy"); `file` names it in errors, `maxBytes` bounds each inflated entry. */
export function parseNpz(bytes: Uint8Array, file: string, maxBytes = bytes.byteLength * 8): Map<string, NpyArray> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  // The end of central directory record: 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  if (eocd < 0) fail("not a zip file (no end of central directory): expected a NumPy .npz");
  const entries = buf.readUInt16LE(eocd + 10);
  if (entries > MAX_ENTRIES) fail(`holds ${entries} entries, more than the ${MAX_ENTRIES} an evaluation file has`);
  let at = buf.readUInt32LE(eocd + 16);
  const arrays = new Map<string, NpyArray>();
  for (let n = 0; n < entries; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL_SIGNATURE) fail(`central directory entry ${n} is corrupt`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    // 0xffffffff: a zip64 entry (over 4 GiB), which no evaluation file is.
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) fail(`${name} is a zip64 entry: too large`);
    if (size > maxBytes) fail(`${name} is ${size} bytes, more than the ${maxBytes} allowed`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_SIGNATURE) fail(`${name}: local header is corrupt`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) fail(`${name} runs past the end of the file`);
    const stored = buf.subarray(start, start + compressed);
    let content: Buffer;
    if (method === 0) content = stored;
    else if (method === 8) {
      try {
        content = inflateRawSync(stored, { maxOutputLength: Math.max(1, size) });
      } catch (err) {
        return fail(`${name} does not inflate: ${(err as Error).message}`);
      }
    } else return fail(`${name} is compressed with zip method ${method}: only stored (0) and deflate (8) are read`);
    if (content.length !== size) fail(`${name} is ${content.length} bytes, its zip entry says ${size}`);
    if (!name.endsWith(".npy")) continue;
    arrays.set(name.slice(0, -4), parseNpy(content, `${file}: ${name}`));
  }
  return arrays;
}

/** One .npy array; `where` names it in errors. */
export function parseNpy(buf: Buffer, where: string): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  if (buf.length < 10 || !buf.subarray(0, 6).equals(NPY_MAGIC)) fail("not a .npy array (no \\x93NUMPY magic)");
  const major = buf[6];
  const headerLengthBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : fail(`.npy format version ${major} is not read`);
  if (buf.length < 8 + headerLengthBytes) fail("truncated header");
  const headerLength = headerLengthBytes === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = 8 + headerLengthBytes + headerLength;
  if (dataStart > buf.length) fail("header runs past the end of the array");
  const header = buf.toString("latin1", 8 + headerLengthBytes, dataStart);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail(`header ${JSON.stringify(header.trim())} is not a .npy header`);
  if (!((descr as string) in DTYPES)) fail(`dtype ${descr} is not read: evaluation data holds float32 (<f4) inputs and int64 (<i8) labels`);
  if (fortran === "True") fail("is in Fortran order: write it in C order (numpy's default)");
  const shape = (shapeText as string)
    .split(",")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => (/^\d+$/.test(d) ? Number(d) : fail(`shape (${shapeText}) is not a tuple of sizes`)));
  const count = shape.reduce((a, b) => a * b, 1);
  const dtype = DTYPES[descr as Descr];
  const itemBytes = dtype === "float32" ? 4 : 8;
  if (buf.length - dataStart !== count * itemBytes)
    fail(`holds ${buf.length - dataStart} bytes of data, its shape (${shape.join(", ")}) of ${dtype} needs ${count * itemBytes}`);
  // A copy: the typed array must be aligned, and must not keep the whole file alive.
  const data = new Uint8Array(buf.subarray(dataStart));
  return dtype === "float32"
    ? { dtype, shape, data: new Float32Array(data.buffer, 0, count) }
    : { dtype, shape, data: new BigInt64Array(data.buffer, 0, count) };
}
