/*
 * Written by numpy 2 (the build's tools venv): np.savez and np.savez_compressed of
 * inputs=float32 [[0.5, 1, 0], [0.25, 0, 2]] and labels=int64 [1, 2]. numpy writes zip64 local
 * headers; the sizes are read from the central directory.
 */
export const STORED = Buffer.from(
  "UEsDBC0AAAAAAAAAIQBgJi6v//////////8KABQAaW5wdXRzLm5weQEAEACYAAAAAAAAAJgAAAAAAAAAk05VTVBZAQB2AHsnZGVz" +
    "Y3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAg" +
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AACAPwAAAAAAAIA+AAAAAAAAAEBQSwMELQAAAAAAAAAh" +
    "AAz8HOn//////////woAFABsYWJlbHMubnB5AQAQAJAAAAAAAAAAkAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTgnLCAn" +
    "Zm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg" +
    "ICAgICAgICAgICAgICAgICAgICAgICAgCgEAAAAAAAAAAgAAAAAAAABQSwECLQMtAAAAAAAAACEAYCYur5gAAACYAAAACgAAAAAA" +
    "AAAAAAAAgAEAAAAAaW5wdXRzLm5weVBLAQItAy0AAAAAAAAAIQAM/BzpkAAAAJAAAAAKAAAAAAAAAAAAAACAAdQAAABsYWJlbHMu" +
    "bnB5UEsFBgAAAAACAAIAcAAAAKABAAAAAA==",
  "base64",
);
export const DEFLATED = Buffer.from(
  "UEsDBC0AAAAIAAAAIQBgJi6v//////////8KABQAaW5wdXRzLm5weQEAEACYAAAAAAAAAFYAAAAAAAAAm+wX6hsQychQxlCtnpJa" +
    "nFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaRjoKxpo6CrUKZAMuBgYGewaGBiAGgQY7CM3gAABQSwME" +
    "LQAAAAgAAAAhAAz8HOn//////////woAFABsYWJlbHMubnB5AQAQAJAAAAAAAAAASgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRu" +
    "paBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuRgYIYILSAFBLAQItAy0AAAAIAAAAIQBgJi6v" +
    "VgAAAJgAAAAKAAAAAAAAAAAAAACAAQAAAABpbnB1dHMubnB5UEsBAi0DLQAAAAgAAAAhAAz8HOlKAAAAkAAAAAoAAAAAAAAAAAAA" +
    "AIABkgAAAGxhYmVscy5ucHlQSwUGAAAAAAIAAgBwAAAAGAEAAAAA",
  "base64",
);

/** STORED with some text (a header's, an entry's name) replaced by text of the same length. */
export const edited = (from: string, to: string) => Buffer.from(STORED.toString("latin1").replaceAll(from, to), "latin1");
