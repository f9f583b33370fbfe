// File: tests/cotangent/io_numpy_tool.cc
// The C++ half of io_numpy_test (the Python half is io_numpy_test.py, which runs numpy):
//   io_numpy_tool read FILE    prints each array of an .npz, .npy or .safetensors file as
//                              "name dtype [shape] v0 v1 ..." (values %.17g, bools 0/1,
//                              complex values as their two parts)
//   io_numpy_tool write DIR    writes DIR/cotangent.npz, cotangent_compressed.npz,
//                              cotangent.npy and cotangent.safetensors with known arrays
// Exit status 1 with "error: ..." on a cotangent::Error.

#include <complex>
#include <cstdio>
#include <iostream>
#include <string>

#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

void Print(const std::string& name, const ct::Tensor& x) {
  std::cout << name << ' ' << ct::DTypeName(x.dtype()) << ' ' << ct::ShapeToString(x.shape());
  const auto print = [](double v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.17g", v);
    std::cout << ' ' << text;
  };
  if (ct::IsComplex(x.dtype())) {  // each element as its real and imaginary parts
    for (std::complex<double> z : x.to_vector<std::complex<double>>()) {
      print(z.real());
      print(z.imag());
    }
  } else if (ct::IsFloating(x.dtype())) {
    for (double v : x.to_vector<double>()) print(v);
  } else {
    for (int64_t v : x.to_vector<int64_t>()) std::cout << ' ' << v;  // exact
  }
  std::cout << '\n';
}

// The arrays `write` saves; io_numpy_test.py holds the same values.
ct::NamedTensors Known() {
  return {{"f32", ct::tensor({0.5, -1.25, 3e38, 1e-45}, {2, 2}, ct::f32)},
          {"f64", ct::tensor({0.1, -2.5e-300}, {2}, ct::f64)},
          {"f16", ct::tensor({0.1, -65504, 6e-8}, {3}, ct::f16)},
          {"i32", ct::from_vector<int32_t>({-2147483647 - 1, 7, 2147483647}, {3, 1})},
          {"u8", ct::from_vector<uint8_t>({0, 200, 255}, {3})},
          {"u32", ct::from_vector<uint32_t>({0, 4294967295u}, {2})},
          {"i64", ct::from_vector<int64_t>({INT64_MIN, (int64_t{1} << 53) + 1, INT64_MAX}, {3})},
          {"bool", ct::from_vector<bool>({true, false}, {2})},
          {"scalar", ct::scalar(-4.0, ct::f64)},
          {"empty", ct::zeros({0, 3}, ct::i32)},
          {"dir/leaf", ct::arange(6.0, 0.0, -1.0, ct::f32)}};
}

// Known() and complex arrays, which .npz holds and .safetensors does not.
ct::NamedTensors KnownWithComplex() {
  ct::NamedTensors arrays = Known();
  arrays.push_back(
      {"c64", ct::from_vector<std::complex<float>>({{1.5f, -2.0f}, {0.0f, 3e38f}}, {2})});
  arrays.push_back({"c128", ct::from_vector<std::complex<double>>({{0.1, -1e-300}}, {1, 1})});
  return arrays;
}

int Run(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode == "read") {
    const std::string path = argv[2];
    if (path.ends_with(".npy")) {
      Print("arr", ct::load_npy(path));
    } else {
      const ct::NamedTensors arrays =
          path.ends_with(".npz") ? ct::load_npz(path) : ct::load_safetensors(path);
      for (const auto& [name, x] : arrays) Print(name, x);
    }
    return 0;
  }
  if (mode == "write") {
    const std::string dir = argv[2];
    ct::save_npz(dir + "/cotangent.npz", KnownWithComplex());
    ct::save_npz(dir + "/cotangent_compressed.npz", KnownWithComplex(), /*compressed=*/true);
    ct::save_npy(dir + "/cotangent.npy", Known()[0].second);
    ct::save_safetensors(dir + "/cotangent.safetensors", Known(), {{"written_by", "cotangent"}});
    return 0;
  }
  std::cerr << "usage: io_numpy_tool read FILE | write DIR\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const ct::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
