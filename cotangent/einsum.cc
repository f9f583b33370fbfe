// File: cotangent/einsum.cc
// einsum (cotangent/einsum.h): parse the subscripts into one label per axis, broadcast the
// ellipsis axes, take diagonals and early sums per operand, then contract pairs greedily with
// dot_general and transpose to the output's order.

#include "cotangent/einsum.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "core/error.h"
#include "core/lax.h"
#include "core/params.h"
#include "cotangent/numpy.h"
#include "cotangent/shaping.h"

namespace cotangent {
namespace {

// An operand with one label per axis. Ellipsis axes get labels 0x80, 0x81, ... (never
// letters), right-aligned across operands as numpy broadcasts them.
struct Term {
  std::string labels;
  Tensor x;
};

char EllipsisLabel(int64_t i) { return static_cast<char>(0x80 + i); }
bool Has(const std::string& s, char c) { return s.find(c) != std::string::npos; }

class Einsum {
 public:
  Einsum(std::string_view subscripts, const std::vector<Tensor>& operands)
      : subscripts_(subscripts) {
    if (operands.empty()) Fail("needs at least one operand");
    std::string spec;
    for (char c : subscripts) {
      if (c != ' ') spec += c;
    }
    const size_t arrow = spec.find("->");
    std::vector<std::string> inputs(1);
    for (char c : spec.substr(0, arrow)) {
      if (c == ',') {
        inputs.emplace_back();
      } else {
        inputs.back().push_back(c);
      }
    }
    if (inputs.size() != operands.size()) {
      Fail("names ", inputs.size(), " operands, got ", operands.size());
    }
    int64_t ellipsis = 0;  // the most axes "..." stands for in any operand
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!operands[k].defined()) Fail("operand ", k, " is undefined");
      ellipsis = std::max(ellipsis, EllipsisAxes(inputs[k], operands[k], k));
    }
    std::string all_ellipsis;
    for (int64_t i = 0; i < ellipsis; ++i) all_ellipsis += EllipsisLabel(i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      const int64_t n = EllipsisAxes(inputs[k], operands[k], k);
      terms_.push_back({Expand(inputs[k], all_ellipsis.substr(ellipsis - n)), operands[k]});
    }
    output_ = arrow == std::string::npos ? ImplicitOutput(all_ellipsis)
                                         : Expand(Checked(spec.substr(arrow + 2)), all_ellipsis);
    for (char c : output_) {
      if (std::count(output_.begin(), output_.end(), c) > 1) Fail("output repeats an index");
      const auto holds = [c](const Term& t) { return Has(t.labels, c); };
      if (std::none_of(terms_.begin(), terms_.end(), holds)) {
        Fail("output index '", std::string(1, c), "' is in no operand");
      }
    }
    BroadcastSizes();
  }

  Tensor Run() {
    for (size_t k = 0; k < terms_.size(); ++k) terms_[k] = Simplify(terms_[k], Needed(k, k));
    while (terms_.size() > 1) {
      size_t best_i = 0, best_j = 1;
      double best = -1;
      for (size_t i = 0; i < terms_.size(); ++i) {
        for (size_t j = i + 1; j < terms_.size(); ++j) {
          const double cost = Cost(terms_[i], terms_[j]);
          if (best < 0 || cost < best) best = cost, best_i = i, best_j = j;
        }
      }
      const std::string needed = Needed(best_i, best_j);
      Term merged = Simplify(Contract(terms_[best_i], terms_[best_j], needed), needed);
      terms_.erase(terms_.begin() + best_j);
      terms_.erase(terms_.begin() + best_i);
      terms_.push_back(std::move(merged));
    }
    const Term& t = terms_[0];
    std::vector<int64_t> perm;
    for (char c : output_) perm.push_back(static_cast<int64_t>(t.labels.find(c)));
    return std::is_sorted(perm.begin(), perm.end()) ? t.x : transpose(t.x, perm);
  }

 private:
  template <typename... Parts>
  [[noreturn]] void Fail(const Parts&... parts) const {
    ThrowInvalid("einsum '", subscripts_, "': ", parts...);
  }

  // Letters and at most one "..."; returns s.
  std::string Checked(const std::string& s) const {
    const size_t dots = s.find("...");
    for (size_t i = 0; i < s.size(); ++i) {
      const bool in_dots = dots != std::string::npos && i >= dots && i < dots + 3;
      if (!in_dots && !std::isalpha(static_cast<unsigned char>(s[i]))) {
        Fail("'", s, "' is not letters with at most one '...'");
      }
    }
    if (dots != std::string::npos && s.find("...", dots + 3) != std::string::npos) {
      Fail("'", s, "' has two '...'");
    }
    return s;
  }

  // The axes "..." stands for in operand k labelled s.
  int64_t EllipsisAxes(const std::string& s, const Tensor& x, size_t k) const {
    const bool dots = Checked(s).find("...") != std::string::npos;
    const int64_t named = static_cast<int64_t>(s.size()) - (dots ? 3 : 0);
    if (dots ? named > x.ndim() : named != x.ndim()) {
      Fail("operand ", k, " is ", x.aval().ToString(), " but '", s, "' labels ", named, " axes");
    }
    return x.ndim() - named;
  }

  static std::string Expand(const std::string& s, const std::string& ellipsis) {
    const size_t dots = s.find("...");
    if (dots == std::string::npos) return s;
    return s.substr(0, dots) + ellipsis + s.substr(dots + 3);
  }

  // numpy's implicit output: the ellipsis axes, then the letters used once, in order.
  std::string ImplicitOutput(const std::string& ellipsis) const {
    std::map<char, int> uses;
    for (const Term& t : terms_) {
      for (char c : t.labels) uses[c] += 1;
    }
    std::string out = ellipsis;
    for (const auto& [c, n] : uses) {
      if (n == 1 && std::isalpha(static_cast<unsigned char>(c))) out += c;
    }
    return out;
  }

  // One size per label: letters must agree exactly; ellipsis axes broadcast (1 stretches),
  // and each operand's ellipsis axes are broadcast to the common size (a view).
  void BroadcastSizes() {
    std::map<char, int64_t> sizes;
    for (const Term& t : terms_) {
      for (size_t a = 0; a < t.labels.size(); ++a) {
        const char c = t.labels[a];
        const int64_t d = t.x.shape()[a];
        auto [it, fresh] = sizes.emplace(c, d);
        if (fresh || it->second == d) continue;
        const bool ellipsis = !std::isalpha(static_cast<unsigned char>(c));
        if (ellipsis && (it->second == 1 || d == 1)) {
          it->second = std::max(it->second, d);
        } else {
          Fail(ellipsis ? "broadcast axes" : "index '" + std::string(1, c) + "'", " of sizes ",
               it->second, " and ", d, " (operands ", AvalsOf(), ")");
        }
      }
    }
    for (Term& t : terms_) {
      Shape shape;
      for (char c : t.labels) shape.push_back(sizes.at(c));
      if (shape != t.x.shape()) t.x = broadcast_to(t.x, shape);
    }
  }

  std::string AvalsOf() const {
    std::string out;
    for (const Term& t : terms_) out += (out.empty() ? "" : ", ") + t.x.aval().ToString();
    return out;
  }

  // The labels that the output and every term but i and j hold.
  std::string Needed(size_t i, size_t j) const {
    std::string out = output_;
    for (size_t k = 0; k < terms_.size(); ++k) {
      if (k != i && k != j) out += terms_[k].labels;
    }
    return out;
  }

  // Diagonals of repeated labels, then the sum over labels no one else needs.
  static Term Simplify(Term t, const std::string& needed) {
    for (size_t p = 0; p < t.labels.size();) {
      const size_t q = t.labels.find(t.labels[p], p + 1);
      if (q == std::string::npos) {
        ++p;
        continue;
      }
      // diagonal drops axes p and q and appends their diagonal; rescan from p.
      const char c = t.labels[p];
      t.x = diagonal(t.x, 0, static_cast<int64_t>(p), static_cast<int64_t>(q));
      t.labels.erase(q, 1);
      t.labels.erase(p, 1);
      t.labels += c;
    }
    std::vector<int64_t> axes;
    std::string kept;
    for (size_t a = 0; a < t.labels.size(); ++a) {
      if (Has(needed, t.labels[a])) {
        kept += t.labels[a];
      } else {
        axes.push_back(static_cast<int64_t>(a));
      }
    }
    if (!axes.empty()) t = {kept, sum(t.x, axes)};
    return t;
  }

  // Multiply-adds of contracting a with b: the product of the sizes of all their labels.
  static double Cost(const Term& a, const Term& b) {
    double cost = 1;
    for (size_t i = 0; i < a.labels.size(); ++i) cost *= static_cast<double>(a.x.shape()[i]);
    for (size_t i = 0; i < b.labels.size(); ++i) {
      if (!Has(a.labels, b.labels[i])) cost *= static_cast<double>(b.x.shape()[i]);
    }
    return cost;
  }

  // One dot_general: shared labels still needed are batch axes, the other shared ones are
  // contracted; the result is labelled batch, a's free labels, b's free labels.
  static Term Contract(const Term& a, const Term& b, const std::string& needed) {
    DotDims dims;
    std::string batch, free_a, free_b;
    for (size_t i = 0; i < a.labels.size(); ++i) {
      const char c = a.labels[i];
      const auto j = static_cast<int64_t>(b.labels.find(c));
      if (j < 0) {
        free_a += c;
      } else if (Has(needed, c)) {
        batch += c;
        dims.lhs_batch.push_back(static_cast<int64_t>(i));
        dims.rhs_batch.push_back(j);
      } else {
        dims.lhs_contracting.push_back(static_cast<int64_t>(i));
        dims.rhs_contracting.push_back(j);
      }
    }
    for (char c : b.labels) {
      if (!Has(a.labels, c)) free_b += c;
    }
    const DType dtype = PromoteTypes(a.x.dtype(), b.x.dtype());
    return {batch + free_a + free_b,
            lax::dot_general(astype(a.x, dtype), astype(b.x, dtype), std::move(dims))};
  }

  std::string subscripts_;
  std::vector<Term> terms_;
  std::string output_;
};

}  // namespace

Tensor einsum(std::string_view subscripts, const std::vector<Tensor>& operands) {
  return Einsum(subscripts, operands).Run();
}

}  // namespace cotangent
