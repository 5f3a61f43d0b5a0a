import { describe, expect, it } from "vitest";
import { HOST_KEY_LINE } from "../testing/pins.js";
import { parseHostKey } from "./host-key.js";

const ECDSA =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGEYY672uoDIIEUvP8F8j2I/T5XrsZgVRz/39dKXiOV5ZJZxp6GxAHEPrzeE7wHjnaLSAAcn4uQCDBTFoVln0+o=";

describe("parseHostKey", () => {
  it("reads an OpenSSH public key line, with or without ssh-keyscan's host name and a comment", () => {
    const blob = HOST_KEY_LINE.split(" ")[1];
    expect(parseHostKey(HOST_KEY_LINE)).toEqual({ type: "ssh-ed25519", blob });
    expect(parseHostKey(`10.0.0.1 ${HOST_KEY_LINE} root@ipc`)).toEqual({ type: "ssh-ed25519", blob });
    expect(parseHostKey(ECDSA)?.type).toBe("ecdsa-sha2-nistp256");
  });

  it("refuses fingerprints, unknown types and a blob of another type than the line says", () => {
    expect(parseHostKey("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")).toBeUndefined();
    expect(parseHostKey(`ssh-dss ${HOST_KEY_LINE.split(" ")[1]}`)).toBeUndefined();
    expect(parseHostKey(`ecdsa-sha2-nistp256 ${HOST_KEY_LINE.split(" ")[1]}`)).toBeUndefined();
    expect(parseHostKey("ssh-ed25519 not!base64")).toBeUndefined();
    expect(parseHostKey("ssh-ed25519")).toBeUndefined();
  });
});
