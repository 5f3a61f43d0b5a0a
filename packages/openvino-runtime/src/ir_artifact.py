"""An OpenVINO IR as one artifact file: an uncompressed tar of exactly model.xml and model.bin.

The edge agent verifies one file by its digest; the runtime reads the two members from that file
in memory, so nothing is unpacked and the verified file is never written. Shared by the worker
(which reads it) and the IR builders (build_ir.py here, and tools/src/model-build/build.py, which
import it from this directory), which write it.
"""

import io
import os
import tarfile
import tempfile

XML = "model.xml"
BIN = "model.bin"


def read_ir(data):
    """Returns (xml bytes, bin bytes) of the IR artifact's bytes; raises ValueError naming the fix."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
    except (OSError, tarfile.TarError) as err:
        raise ValueError(f"not an OpenVINO IR artifact (an uncompressed tar of {XML} and {BIN}): {err}") from err
    with archive:
        members = {m.name: m for m in archive.getmembers()}
        if set(members) != {XML, BIN}:
            raise ValueError(f"the IR artifact must hold exactly {XML} and {BIN}, it holds {sorted(members)}")
        parts = []
        for name in (XML, BIN):
            member = members[name]
            if not member.isfile():
                raise ValueError(f"{name} must be a regular file in the IR artifact's tar")
            parts.append(archive.extractfile(member).read())
    return parts[0], parts[1]


def write_ir(path, xml, weights):
    """Writes the IR artifact: both members with fixed metadata, so equal IR gives equal bytes (one digest)."""
    with tarfile.open(path, "w:", format=tarfile.PAX_FORMAT) as archive:
        for name, data in ((XML, xml), (BIN, weights)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o444
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))


def save_ir(model, path, compress_to_fp16=False):
    """Writes an OpenVINO model (openvino.Model) as the IR artifact at path; compress_to_fp16 stores
    its float weights in fp16 (OpenVINO decompresses them when it compiles the model)."""
    import openvino as ov

    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, XML)
        ov.save_model(model, xml, compress_to_fp16=compress_to_fp16)
        with open(xml, "rb") as f, open(os.path.join(tmp, BIN), "rb") as w:
            write_ir(path, f.read(), w.read())
