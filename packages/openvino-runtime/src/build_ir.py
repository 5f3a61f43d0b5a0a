"""Converts an ONNX model to an OpenVINO IR artifact (ir_artifact.py), fp32 or int8.

fp32: openvino.convert_model, weights kept in fp32. int8: the same IR quantized after training by
NNCF (nncf.quantize) on calibration samples drawn uniformly from [0, 1), the test models' pixel
range, with the model's open dimensions as 1: weights and activations of its convolutions and
matrix products in int8.

Usage: venv-python build_ir.py --onnx MODEL.onnx --out MODEL.tar --precision fp32|int8 [--samples N]
"""

import argparse
import sys

from ir_artifact import save_ir


def calibration(model, samples):
    import numpy as np

    rng = np.random.default_rng(0)
    for _ in range(samples):
        item = {}
        for port in model.inputs:
            shape = [d.get_length() if d.is_static else 1 for d in port.get_partial_shape()]
            item[port.get_any_name()] = rng.random(shape, dtype=np.float32)
        yield item


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", required=True, help="the ONNX model to convert")
    parser.add_argument("--out", required=True, help="the IR artifact to write (a tar of model.xml and model.bin)")
    parser.add_argument("--precision", required=True, choices=["fp32", "int8"])
    parser.add_argument("--samples", type=int, default=64, help="int8: calibration samples (default 64)")
    args = parser.parse_args()
    import telemetry_off  # noqa: F401 (before openvino and nncf)
    import openvino as ov

    model = ov.convert_model(args.onnx)
    if args.precision == "int8":
        import nncf

        model = nncf.quantize(model, nncf.Dataset(list(calibration(model, args.samples))), subset_size=args.samples)
    save_ir(model, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
