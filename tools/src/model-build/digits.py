"""The example model of the model builds and of federated learning: a small MLP on scikit-learn's
digits data set (8x8 images of handwritten digits, 10 classes), and its export to ONNX.

Imported by build.py (`tools/edgefleet model example`) and by the federated learning app
(tools/src/federated/app), so both train, split and export the very same model.
"""

import numpy as np

# The MLP's hidden layers (64 inputs, 10 classes around them).
HIDDEN_LAYERS = (256, 128)


def digits():
    """All 1,797 images, scaled to [0, 1], and their labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


def example_split():
    """The images to train on (1,078), to calibrate quantization on (179) and to evaluate on (540, with
    labels): stratified, the same every time."""
    from sklearn.model_selection import train_test_split

    inputs, labels = digits()
    train_x, rest_x, train_y, rest_y = train_test_split(inputs, labels, test_size=0.4, random_state=0, stratify=labels)
    calib_x, eval_x, _, eval_y = train_test_split(rest_x, rest_y, test_size=0.75, random_state=0, stratify=rest_y)
    return (train_x, train_y), calib_x, (eval_x, eval_y)


def example_mlp(**overrides):
    """The untrained MLP; overrides change its training (solver, batch size, epochs), not its shape."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(**{"hidden_layer_sizes": HIDDEN_LAYERS, "max_iter": 500, "random_state": 0, **overrides})


def to_onnx_model(mlp, sample):
    """The trained MLP as ONNX (opset 17), only its class scores ("probabilities"): no ZipMap, so
    plain tensors that ONNX Runtime's quantizers handle, and no label output, because skl2onnx looks
    the label up with ai.onnx.ml's ArrayFeatureExtractor, which OpenVINO's converter has no rule for
    (the class is the scores' argmax all the same)."""
    from onnx.utils import Extractor
    from skl2onnx import to_onnx

    model = to_onnx(mlp, sample, options={id(mlp): {"zipmap": False}}, target_opset=17)
    return Extractor(model).extract_model([model.graph.input[0].name], ["probabilities"])
