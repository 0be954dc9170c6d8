# Every third-party dependency, found in one place. Debian package names are in scripts/setup.sh.
find_package(Protobuf REQUIRED)                 # libprotobuf-dev
find_package(ONNX REQUIRED CONFIG)              # libonnx-dev: onnx_proto (ONNX_ML=1, ONNX_NAMESPACE=onnx)
find_package(yaml-cpp REQUIRED CONFIG)          # libyaml-cpp-dev: hardware specs
find_package(nlohmann_json 3 REQUIRED CONFIG)   # nlohmann-json3-dev: JSON specs and reports
find_package(Eigen3 REQUIRED CONFIG)            # libeigen3-dev: least squares, rank correlation
find_package(fmt REQUIRED CONFIG)               # libfmt-dev: report formatting
if(RIDGELINE_BUILD_TOOLS OR RIDGELINE_BUILD_EXAMPLES)
  find_package(CLI11 REQUIRED CONFIG)           # libcli11-dev: command line
endif()
if(RIDGELINE_BUILD_TESTS)
  find_package(doctest REQUIRED CONFIG)         # doctest-dev
  find_package(pugixml REQUIRED CONFIG)         # libpugixml-dev: tests parse the SVG output
endif()
if(RIDGELINE_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED CONFIG)       # libbenchmark-dev
endif()
