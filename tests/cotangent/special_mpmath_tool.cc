// File: tests/cotangent/special_mpmath_tool.cc
// The C++ half of special_mpmath_test (the Python half, special_mpmath_test.py, runs mpmath):
//   special_mpmath_tool IN.npz OUT.npz
// IN holds the arguments of each case as "<case>.0", "<case>.1" (f32 or f64; a case is a
// function name, then "/" and anything, e.g. "gammainc/f32"); OUT gets "<case>", the function
// of cotangent/special.h (or lax) applied to them on the default backend. Exit status 1 with
// "error: ..." on a cotangent::Error or an unknown function.

#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

using Args = std::vector<ct::Tensor>;

const std::map<std::string, std::function<ct::Tensor(const Args&)>>& Functions() {
  static const auto* functions = new std::map<std::string, std::function<ct::Tensor(const Args&)>>{
      {"erf", [](const Args& x) { return ct::erf(x[0]); }},
      {"erfc", [](const Args& x) { return ct::erfc(x[0]); }},
      {"erfinv", [](const Args& x) { return ct::erfinv(x[0]); }},
      {"gammaln", [](const Args& x) { return ct::lgamma(x[0]); }},
      {"digamma", [](const Args& x) { return ct::digamma(x[0]); }},
      {"polygamma", [](const Args& x) { return ct::polygamma(x[0], x[1]); }},
      {"zeta", [](const Args& x) { return ct::zeta(x[0], x[1]); }},
      {"i0e", [](const Args& x) { return ct::i0e(x[0]); }},
      {"i1e", [](const Args& x) { return ct::i1e(x[0]); }},
      {"i0", [](const Args& x) { return ct::i0(x[0]); }},
      {"i1", [](const Args& x) { return ct::i1(x[0]); }},
      {"gammainc", [](const Args& x) { return ct::gammainc(x[0], x[1]); }},
      {"gammaincc", [](const Args& x) { return ct::gammaincc(x[0], x[1]); }},
      {"betainc", [](const Args& x) { return ct::betainc(x[0], x[1], x[2]); }},
      {"sinc", [](const Args& x) { return ct::sinc(x[0]); }},
  };
  return *functions;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: special_mpmath_tool IN.npz OUT.npz\n";
    return 2;
  }
  try {
    std::map<std::string, Args> cases;  // "<case>" -> its arguments in order
    for (const auto& [name, value] : ct::load_npz(argv[1])) {
      const size_t dot = name.rfind('.');
      Args& args = cases[name.substr(0, dot)];
      const size_t index = std::stoul(name.substr(dot + 1));
      if (args.size() <= index) args.resize(index + 1);
      args[index] = value;
    }
    ct::NamedTensors out;
    for (const auto& [name, args] : cases) {
      const std::string function = name.substr(0, name.find('/'));
      const auto it = Functions().find(function);
      if (it == Functions().end()) ct::ThrowInvalid("special_mpmath_tool: no function ", function);
      out.emplace_back(name, it->second(args));
    }
    ct::save_npz(argv[2], out);
  } catch (const ct::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
