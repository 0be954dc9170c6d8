#!/usr/bin/env python3
"""Writes the backend node tests of the installed `onnx` Python package in libonnx-testdata's
layout (DIR/<test>/model.onnx, DIR/<test>/test_data_set_0/{input,output}_K.pb), so that
test_backend_nodes can sweep a newer ONNX than Debian's package:

    python3 tests/backend/export_onnx_node_tests.py /tmp/node-tests
    RIDGELINE_ONNX_TESTDATA=/tmp/node-tests ./build/tests/test_backend_nodes
"""
import os
import shutil
import sys

import onnx.backend.test.case.node as node_cases
from onnx import TensorProto, numpy_helper


def serialize(value, info):
    """The .pb bytes of one input or output, by the graph's declared type."""
    t = info.type
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, info.name).SerializeToString()
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, info.name).SerializeToString()
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, info.name).SerializeToString()
    if isinstance(value, TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(value, info.name).SerializeToString()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = sys.argv[1]
    cases = node_cases.collect_testcases()
    for case in cases:
        folder = os.path.join(out, case.name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(folder, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            data = os.path.join(folder, f"test_data_set_{i}")
            os.makedirs(data)
            for kind, values, infos in (("input", inputs, case.model.graph.input),
                                        ("output", outputs, case.model.graph.output)):
                for k, value in enumerate(values):
                    try:
                        blob = serialize(value, infos[k])
                    except Exception as e:  # a type this onnx cannot serialize: leave it out
                        print(f"{case.name}: {kind}_{k} skipped ({e})", file=sys.stderr)
                        continue
                    with open(os.path.join(data, f"{kind}_{k}.pb"), "wb") as f:
                        f.write(blob)
    print(f"{len(cases)} node tests written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
